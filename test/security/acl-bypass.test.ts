// Impersonation and ACL bypass attempts against the real broker: each is refused
// with a reason on the publisher's own citysense/rejected/… topic, and no reading comes of it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { Rejection } from '../../broker/index.js';
import { RawClient, startBroker, type SecurityHarness } from './harness.js';

const LONG = `city/sensor/${'s'.repeat(5000)}/telemetry`;
const reading = JSON.stringify({ metrics: { waterLevel: 9.99 } });

describe('ACL bypass attempts (registered devices)', () => {
  let h: SecurityHarness;
  let s1: MqttClient;
  const refusals: Array<{ topic: string; reason: string }> = [];
  beforeAll(async () => {
    h = await startBroker({ limits: { messagesPerSecond: 0 } });
    s1 = await h.connect({ clientId: 's1-gw', username: 's1', password: 'pw-s1' });
    await s1.subscribeAsync('citysense/rejected/sensor/s1');
    s1.on('message', (_t, payload) => refusals.push(Rejection.parse(JSON.parse(payload.toString()))));
  });
  afterAll(() => h.close());

  // [topic, expected reason]: the ACL (broker) or the topic parser (ingest) refuses each.
  const attempts: Array<[string, string]> = [
    ['city/sensor/s2/telemetry', 'not_own_topic'], // another device
    ['city/sensor/S1/telemetry', 'not_own_topic'], // case is not folded
    ['city/sensor/\u0455\u0031/telemetry', 'not_own_topic'], // Cyrillic ѕ looks like s
    ['city/sensor/s１/telemetry', 'not_own_topic'], // full-width digit one
    ['city/sensor/s1\u200b/telemetry', 'not_own_topic'], // zero-width space
    [LONG, 'not_own_topic'], // a 5,000-character id
    ['city/camera/s1/event', 'not_own_topic'], // another kind under its own id
    ['city/sensor/s1/../s2/telemetry', 'bad_topic'], // path tricks are not paths in MQTT
    ['city/sensor/s1/telemetry/../../s2/telemetry', 'bad_topic'],
    ['city/sensor/s1/telemetry/extra', 'bad_topic'],
    ['city/sensor/s1', 'bad_topic'],
    ['city//s1/telemetry', 'bad_topic'],
    ['$SYS/broker/clients', 'reserved_topic'],
    ['citysense/rejected/sensor/s2', 'reserved_topic'],
    ['$citysense/dropped', 'reserved_topic'],
    ['/city/sensor/s1/telemetry', 'reserved_topic'],
  ];

  it.each(attempts.map(([t, r]) => [t.length > 80 ? `${t.slice(0, 40)}…(${t.length} chars)` : t, t, r]))(
    'refuses a publish to %s',
    async (_label, topic, reason) => {
      const before = refusals.length;
      await s1.publishAsync(topic, reading, { qos: 1 });
      // Barrier: the rejection of this publish comes before the PUBACK of the next one is of use.
      for (let i = 0; i < 200 && refusals.length === before; i++) await new Promise((r) => setTimeout(r, 10));
      expect(refusals.slice(before)).toEqual([expect.objectContaining({ topic, reason })]);
      expect(h.readings.filter((r) => r.metrics?.waterLevel === 9.99)).toEqual([]);
      expect(s1.connected).toBe(true);
    },
  );

  it('closes the connection of a publish with + or # in its topic [MQTT-3.3.2-2], and ingests nothing', async () => {
    for (const topic of ['city/sensor/+/telemetry', 'city/sensor/s1/#', '#']) {
      const { client, returnCode } = await RawClient.open(h.port, { clientId: 'raw-s1', username: 's1', password: 'pw-s1' });
      expect(returnCode).toBe(0);
      client.send({ cmd: 'publish', topic, payload: Buffer.from(reading), qos: 1, messageId: 1, retain: false, dup: false });
      const ack = await client.until((p) => p.cmd === 'puback');
      expect(ack).toBeUndefined();
      expect(client.closed).toBe(true);
    }
    expect(h.readings.filter((r) => r.metrics?.waterLevel === 9.99)).toEqual([]);
  });

  it('refuses a last will that impersonates another device', async () => {
    const before = h.ingest.stats().byReason.not_own_topic ?? 0;
    const { client } = await RawClient.open(h.port, {
      clientId: 'will-s1',
      username: 's1',
      password: 'pw-s1',
      will: { topic: 'city/sensor/s2/status', payload: 'offline' },
    });
    client.destroy(); // not a DISCONNECT: the will is published
    for (let i = 0; i < 200 && (h.ingest.stats().byReason.not_own_topic ?? 0) === before; i++) await new Promise((r) => setTimeout(r, 10));
    expect(h.ingest.stats().byReason.not_own_topic).toBe(before + 1);
    expect(h.readings.some((r) => r.deviceId === 's2')).toBe(false);
  });

  it('refuses logins with another device’s password, and subscriptions outside a device’s own topics', async () => {
    const wrong = await RawClient.open(h.port, { clientId: 'x', username: 's2', password: 'pw-s1' });
    expect(wrong.returnCode).toBe(4);
    const s2 = await h.connect({ clientId: 's2-gw', username: 's2', password: 'pw-s2' });
    const r = await s2
      .subscribeAsync(['#', 'city/#', 'city/sensor/s1/#', 'citysense/rejected/#', '$SYS/#', '$citysense/#', 'city/sensor/s2/#'])
      .catch((e: unknown) => e);
    expect(r).toMatchObject({ packet: { granted: [128, 128, 128, 128, 128, 128, 0] } });
  });
});
