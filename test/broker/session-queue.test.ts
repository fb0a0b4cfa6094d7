// What the broker keeps for a persistent session: at most
// limits.maxSessionQueue QoS 1 messages per client, the rest counted, never unbounded.
// Real aedes broker, real mqtt.js clients; the operator tool is the registry's `ops` login.
import type { MqttClient } from 'mqtt';
import { afterEach, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from './helpers.js';

const LIMIT = 50;
let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const ops = (harness: Harness) => harness.connect({ clientId: 'ops-tool', username: 'ops', password: 'pw-ops', clean: false });
const device = (harness: Harness) => harness.connect({ clientId: 's1', username: 's1', password: 'pw-s1' });
const publish = async (d: MqttClient, from: number, count: number) => {
  for (let i = from; i < from + count; i++)
    await d.publishAsync('city/sensor/s1/telemetry', JSON.stringify({ metrics: { n: i } }), { qos: 1 });
};
/** Every message `c` receives until `count` have come or `ms` pass, as their `n`. */
async function receive(c: MqttClient, count: number, ms = 5000): Promise<number[]> {
  const got: number[] = [];
  c.on('message', (_t, payload) => got.push((JSON.parse(payload.toString()) as { metrics: { n: number } }).metrics.n));
  const until = Date.now() + ms;
  while (got.length < count && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return got;
}

describe('persistent session queues', () => {
  it('keep at most maxSessionQueue messages for an offline subscriber; the rest are counted', async () => {
    h = await startHarness({ limits: { maxSessionQueue: LIMIT, messagesPerSecond: 0 } });
    const tool = await ops(h);
    await tool.subscribeAsync('city/#', { qos: 1 });
    await tool.endAsync();

    const d = await device(h);
    await publish(d, 0, 120);
    expect(h.broker.stats()).toMatchObject({ sessionQueued: LIMIT, sessionQueueDropped: 70 });

    // Back online: what was kept arrives (the oldest, in order), acknowledged, and the queue is free again.
    const back = await ops(h);
    const kept = await receive(back, LIMIT);
    expect(kept).toEqual(Array.from({ length: LIMIT }, (_, i) => i));
    await new Promise((r) => setTimeout(r, 300)); // nothing beyond the limit comes later
    expect(kept).toHaveLength(LIMIT);
    await expect.poll(() => h!.broker.stats().sessionQueued).toBe(0);

    // Offline again: the queue takes messages again.
    await back.endAsync();
    await publish(d, 1000, 10);
    const again = await ops(h);
    expect(await receive(again, 10)).toEqual(Array.from({ length: 10 }, (_, i) => 1000 + i));
    expect(h.broker.stats().sessionQueueDropped).toBe(70);
  });

  it('do not limit a subscriber that keeps up', async () => {
    h = await startHarness({ limits: { maxSessionQueue: LIMIT, messagesPerSecond: 0 } });
    const tool = await ops(h);
    await tool.subscribeAsync('city/#', { qos: 1 });
    const seen = receive(tool, 3 * LIMIT);
    await publish(await device(h), 0, 3 * LIMIT);
    expect(await seen).toHaveLength(3 * LIMIT);
    expect(h.broker.stats().sessionQueueDropped).toBe(0);
  });
});
