// Refusing is cheap: 200 connections publish as fast as their sockets take it, with the default
// limits. Each is slowed to its device rate (its socket is not read while it waits), so the service
// keeps answering: a new connection gets its CONNACK, and /api/health answers, each within 1 s.
// The flooders are bare sockets writing pre-encoded PUBLISH packets, so this process stays cheap.
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningService } from '../../app/service.js';
import { RawClient } from '../security/harness.js';
import { startTestService } from '../support/service.js';

const FLOODERS = 200;
/** Per flooder at most 32 chunks of 32 KiB (~16,000 publishes, far beyond what its rate admits while the test runs). */
const CHUNKS = 32;
/** New connections and health checks made while every flooder floods, one every 250 ms. */
const PROBES = 8;
/** Generous for a loaded machine, yet far below what an unslowed flood costs (connections left without a CONNACK for seconds). */
const ANSWER_WITHIN_MS = 1000;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** ~32 KiB of QoS 0 telemetry PUBLISH packets of one device, encoded once. */
function floodChunk(device: string): Buffer {
  const one = mqttPacket.generate({
    cmd: 'publish',
    topic: `city/sensor/${device}/telemetry`,
    payload: Buffer.from(JSON.stringify({ metrics: { waterLevel: 0.1 } })),
    qos: 0,
    retain: false,
    dup: false,
  });
  return Buffer.concat(Array.from({ length: Math.ceil(32_768 / one.length) }, () => one));
}

/** Write `chunk` up to CHUNKS times, whenever the socket takes it, while `on()` (no polling: on 'drain'). */
function flood(client: RawClient, chunk: Buffer, on: () => boolean): void {
  let left = CHUNKS;
  const pump = () => {
    while (on() && !client.closed && left-- > 0) {
      if (!client.socket.write(chunk)) return void client.socket.once('drain', pump);
    }
  };
  pump();
}

async function metric(svc: RunningService, name: string, label: string): Promise<number> {
  const text = await (await fetch(`${svc.urls.http}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) && l.includes(label));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('a 200-connection flood at the default limits', () => {
  let svc: (RunningService & { dataDir: string }) | undefined;
  const clients: RawClient[] = [];
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.destroy());
    await svc?.stop();
    svc = undefined;
  });

  it('slows the flooders, and a new connection and /api/health are still answered within 1 s', { timeout: 60_000 }, async () => {
    svc = await startTestService();
    const port = svc.ports.mqtt;
    let flooding = true;
    const connack: number[] = [];
    const health: number[] = [];
    const answers: Array<number | undefined> = [];
    const join = async (clientId: string) => {
      const t = performance.now();
      const { client, returnCode } = await RawClient.open(port, { clientId });
      connack.push(performance.now() - t);
      answers.push(returnCode);
      clients.push(client);
      flood(client, floodChunk(clientId), () => flooding);
    };
    // The first half floods; the second half connects into that flood, one after another.
    await Promise.all(Array.from({ length: FLOODERS / 2 }, (_, i) => join(`flood-${i}`)));
    connack.length = 0;
    for (let i = FLOODERS / 2; i < FLOODERS; i++) await join(`flood-${i}`);
    // Then, while all of them flood: a new connection and a health check every 250 ms. The flood's
    // connections spent the per-IP connection burst; its refill (10/s) admits a probe every 250 ms.
    for (let n = 0; n < PROBES; n++) {
      await sleep(250);
      let t = performance.now();
      const probe = await RawClient.open(port, { clientId: `probe-${n}` });
      connack.push(performance.now() - t);
      answers.push(probe.returnCode);
      probe.client.destroy();
      t = performance.now();
      const res = await fetch(`${svc.urls.http}/api/health`, { signal: AbortSignal.timeout(5000) });
      health.push(performance.now() - t);
      answers.push(res.status);
    }
    flooding = false;
    const slowed = await metric(svc, 'citysense_broker_limited_total', 'what="publish_rate"');
    const accepted = Number(
      (await (await fetch(`${svc.urls.http}/metrics`)).text()).match(/^citysense_readings_accepted_total (\d+)/m)?.[1],
    );

    expect(
      answers.every((a) => a === 0 || a === 200),
      `CONNACK codes and health statuses: ${answers.join(',')}`,
    ).toBe(true);
    expect(Math.max(...connack), `CONNACK ms: ${connack.map(Math.round).join(',')}`).toBeLessThan(ANSWER_WITHIN_MS);
    expect(Math.max(...health), `health ms: ${health.map(Math.round).join(',')}`).toBeLessThan(ANSWER_WITHIN_MS);
    expect(clients).toHaveLength(FLOODERS);
    // It was a flood, slowed rather than refused: publishes waited for their rate, readings went in, none refused.
    expect(slowed).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThan(0);
    expect(await metric(svc, 'citysense_readings_refused_total', 'reason="rate_limited"')).toBe(0);
    expect(clients.every((c) => !c.closed)).toBe(true);
  });
});
