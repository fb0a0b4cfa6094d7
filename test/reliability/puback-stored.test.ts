// A PUBACK means stored: the real service, real MQTT clients (mqtt.js, or a bare socket where the
// exact packets matter) and its real SQLite telemetry file. A device above its rate is slowed, not
// refused; a publish the broker sheds under overload, or the store cannot keep, is never acked.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import mqttPacket from 'mqtt-packet';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningService } from '../../app/service.js';
import { TELEMETRY_DB_FILE_NAME, openSqliteReadingsReader } from '../../store/index.js';
import { RawClient } from '../security/harness.js';
import { connectMqtt, startTestService } from '../support/service.js';

type Service = RunningService & { dataDir: string };

/** Sum of a /metrics family's samples whose labels contain `label` (e.g. `what="publish_rate"`). */
async function metric(svc: Service, name: string, label = ''): Promise<number> {
  const text = await (await fetch(`${svc.urls.http}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => (l.startsWith(`${name} `) || l.startsWith(`${name}{`)) && l.includes(label))
    .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** The `seq` of every reading of `device` in the service's SQLite telemetry file, as it is now. */
function storedSeqs(svc: Service, device: string): number[] {
  const reader = openSqliteReadingsReader(svc.dataDir);
  try {
    return [...reader.readings(0, Date.now() + 60_000)].filter((r) => r.deviceId === device).map((r) => r.metrics.seq!);
  } finally {
    reader.close();
  }
}

/** A QoS 1 PUBLISH of `{"metrics":{"seq":n}}` with messageId n + 1. */
const publishPacket = (device: string, seq: number, qos: 0 | 1 = 1): mqttPacket.IPublishPacket => ({
  cmd: 'publish',
  topic: `city/sensor/${device}/telemetry`,
  payload: Buffer.from(JSON.stringify({ metrics: { seq } })),
  qos,
  retain: false,
  dup: false,
  ...(qos > 0 ? { messageId: seq + 1 } : {}),
});
const pubackedSeqs = (c: RawClient) =>
  c.packets.filter((p) => p.cmd === 'puback').map((p) => (p as mqttPacket.IPubackPacket).messageId! - 1);

describe('a PUBACK means stored', () => {
  let svc: Service | undefined;
  const raw: RawClient[] = [];
  afterEach(async () => {
    raw.splice(0).forEach((c) => c.destroy());
    await svc?.stop();
    svc = undefined;
  });

  it(
    '1,000 rapid QoS 1 publishes of one device at the default limits: all acked, none refused, every one stored',
    { timeout: 60_000 },
    async () => {
      svc = await startTestService();
      const gw = await connectMqtt(svc.urls.mqtt, { clientId: 'rapid-1' });
      const N = 1000;
      const started = performance.now();
      let acked = 0;
      for (let seq = 0; seq < N; seq++) {
        await gw.publishAsync('city/sensor/rapid-1/telemetry', JSON.stringify({ metrics: { seq } }), { qos: 1 });
        acked++;
      }
      const seconds = (performance.now() - started) / 1000;
      // Read while the service runs: what was acknowledged is already committed.
      const stored = storedSeqs(svc, 'rapid-1');
      gw.end(true);
      expect(acked).toBe(N);
      expect(new Set(stored).size).toBe(N);
      expect(await metric(svc, 'citysense_readings_refused_total')).toBe(0);
      // At 100/s after a burst of 200, 1,000 take 8 s: a device that finished sooner was slowed.
      if (seconds < 7.5) expect(await metric(svc, 'citysense_broker_limited_total', 'what="publish_rate"')).toBeGreaterThan(0);
    },
  );

  it('a QoS 1 publish shed by the full publish gate closes the connection unacknowledged; QoS 0 is shed, counted and noticed', async () => {
    // One publish a turn, one held: a third in the same socket read meets a full gate.
    svc = await startTestService({ limits: { maxPublishesPerTurn: 1, maxHeldPublishes: 1, maxQueuedPublishes: 1 } });
    const { client: q1 } = await RawClient.open(svc.ports.mqtt, { clientId: 'shed-q1' });
    raw.push(q1);
    q1.socket.write(Buffer.concat(Array.from({ length: 50 }, (_, seq) => mqttPacket.generate(publishPacket('shed-q1', seq)))));
    await q1.until(() => false, 5000);
    expect(q1.closed).toBe(true);
    const acked = pubackedSeqs(q1);
    expect(acked.length).toBeLessThan(50);
    const stored = new Set(storedSeqs(svc, 'shed-q1'));
    expect(
      acked.filter((s) => !stored.has(s)),
      'acknowledged but not stored',
    ).toEqual([]);
    expect(await metric(svc, 'citysense_broker_limited_total', 'what="overload_close"')).toBeGreaterThanOrEqual(1);

    // QoS 0 has no ack to withhold: shed with a notice on the device's rejection topic, connection kept.
    const { client: q0 } = await RawClient.open(svc.ports.mqtt, { clientId: 'shed-q0' });
    raw.push(q0);
    q0.send({
      cmd: 'subscribe',
      messageId: 1,
      subscriptions: [{ topic: 'citysense/rejected/sensor/shed-q0', qos: 0 }],
    } as mqttPacket.ISubscribePacket);
    await q0.until((p) => p.cmd === 'suback');
    q0.socket.write(Buffer.concat(Array.from({ length: 50 }, (_, seq) => mqttPacket.generate(publishPacket('shed-q0', seq, 0)))));
    const notice = (await q0.until((p) => p.cmd === 'publish')) as mqttPacket.IPublishPacket | undefined;
    expect(JSON.parse(String(notice?.payload))).toMatchObject({ reason: 'overloaded', topic: 'city/sensor/shed-q0/telemetry' });
    q0.send({ cmd: 'pingreq' });
    expect(await q0.until((p) => p.cmd === 'pingresp')).toBeDefined();
    expect(await metric(svc, 'citysense_readings_refused_total', 'reason="overloaded"')).toBeGreaterThanOrEqual(1);
  });

  it('a QoS 1 publish the store cannot write is not acknowledged; sent again once the store is back, it is', async () => {
    svc = await startTestService();
    const { client: first } = await RawClient.open(svc.ports.mqtt, { clientId: 'disk-1' });
    raw.push(first);
    first.send(publishPacket('disk-1', 0));
    expect(await first.until((p) => p.cmd === 'puback')).toBeDefined();

    // Every insert into the telemetry file fails, as on a broken disk.
    const file = new Database(join(svc.dataDir, TELEMETRY_DB_FILE_NAME));
    file.exec("CREATE TRIGGER broken_disk BEFORE INSERT ON readings BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END");
    first.send(publishPacket('disk-1', 1));
    await first.until(() => false, 5000);
    expect(first.closed).toBe(true);
    expect(pubackedSeqs(first)).toEqual([0]);
    expect(storedSeqs(svc, 'disk-1')).toEqual([0]);
    expect(await metric(svc, 'citysense_broker_acks_withheld_total')).toBeGreaterThanOrEqual(1);

    file.exec('DROP TRIGGER broken_disk');
    file.close();
    const { client: again } = await RawClient.open(svc.ports.mqtt, { clientId: 'disk-1' });
    raw.push(again);
    again.send({ ...publishPacket('disk-1', 1), dup: true });
    expect(await again.until((p) => p.cmd === 'puback')).toBeDefined();
    expect(new Set(storedSeqs(svc, 'disk-1'))).toEqual(new Set([0, 1]));
  });
});
