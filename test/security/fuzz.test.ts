// Fuzz: 10,000 seeded random topics and payloads from four devices into the real
// broker. Every one is PUBACKed and either becomes a valid Reading of its own sender or is
// refused with a reason on citysense/rejected/…; no connection drops, nothing crashes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { Rejection } from '../../broker/index.js';
import { Reading } from '../../ingest/index.js';
import { RawClient, startBroker, type SecurityHarness } from './harness.js';

const COUNT = 10_000;
const WINDOW = 500;
const DEVICES = ['f0', 'f1', 'f2', 'f3'];

/** mulberry32: a small seeded PRNG, so a failure replays exactly. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof prng>;

const KINDS = ['sensor', 'camera', 'drone', 'Sensor', 'gateway', '', 'sensor\u0000'];
const CHANNELS = ['telemetry', 'event', 'status', 'Telemetry', '', 'telemetry ', '..', 'x'.repeat(300)];
const WEIRD_IDS = [
  's1',
  '..',
  '.',
  '',
  '\u0455\u0031',
  'f\u200b0',
  'F0',
  'f0 ',
  '%66%30',
  'f0\u0000',
  '\ud83d\ude00',
  'x'.repeat(70),
  'y'.repeat(4000),
];
// Printable, no MQTT wildcards (those close the connection: tested in acl-bypass.test.ts).
const randomText = (r: Rng, max: number) =>
  Array.from({ length: r.int(max) }, () => String.fromCharCode(32 + r.int(3000)))
    .join('')
    .replace(/[+#]/g, '_');

function topicFor(r: Rng, self: string): string {
  const kind = r.pick(['sensor', 'camera', 'drone'] as const);
  switch (r.int(10)) {
    case 0:
    case 1:
    case 2:
    case 3:
    case 4:
      return `city/${kind}/${self}/${kind === 'camera' ? 'event' : r.pick(['telemetry', 'telemetry', 'status'])}`;
    case 5:
      return `city/${r.pick(KINDS)}/${r.pick([...WEIRD_IDS, ...DEVICES])}/${r.pick(CHANNELS)}`;
    case 6:
      return `city/${kind}/${self}/${Array.from({ length: 1 + r.int(8) }, () => r.pick(CHANNELS)).join('/')}`;
    case 7:
      return r.pick([
        '$SYS/broker/x',
        'citysense/rejected/sensor/f1',
        '$citysense/dropped',
        '/city',
        'city',
        'City/sensor/f0/telemetry',
        `${self}/telemetry`,
      ]);
    case 8:
      return Array.from({ length: 1 + r.int(20) }, () => randomText(r, 12)).join('/') || 'x';
    default:
      return `city/${kind}/${r.pick(DEVICES)}/telemetry`;
  }
}

function jsonValue(r: Rng, depth: number): unknown {
  switch (depth > 4 ? r.int(4) : r.int(7)) {
    case 0:
      return r.pick([0, -1, 1e308, -1e-308, 0.5, 2 ** 53 + 1]);
    case 1:
      return randomText(r, 20);
    case 2:
      return r.pick([null, true, false]);
    case 3:
      return r.next() * 100;
    case 4:
      return Array.from({ length: r.int(5) }, () => jsonValue(r, depth + 1));
    default:
      return Object.fromEntries(
        Array.from({ length: r.int(5) }, () => [
          r.pick(['metrics', 'ts', 'loc', 'type', 'confidence', 'battery', 'lat', 'lon', '__proto__', 'constructor', randomText(r, 8)]),
          jsonValue(r, depth + 1),
        ]),
      );
  }
}

function payloadFor(r: Rng): Buffer {
  const text = (v: unknown) => Buffer.from(JSON.stringify(v));
  switch (r.int(14)) {
    case 0:
    case 1:
    case 2:
      return text({
        metrics: { waterLevel: r.next(), pm25: r.int(500) },
        ...(r.int(2) ? { loc: { lat: 31 + r.next(), lon: 121 + r.next() } } : {}),
      });
    case 3:
      return text({ type: r.pick(['smoke', 'fire', 'crowd']), confidence: r.next(), count: r.int(10) });
    case 4:
      return text({
        loc: { lat: 31, lon: 121, alt: r.int(300) },
        battery: r.int(120),
        detections: [{ type: 'fire', confidence: r.next() }],
      });
    case 5:
      return Buffer.from(r.pick(['online', 'offline', '"online"', 'ONLINE', '']));
    case 6:
      return text(jsonValue(r, 0));
    case 7:
      return Buffer.from(Array.from({ length: r.int(200) }, () => r.int(256)));
    case 8:
      return Buffer.from([0xc3, 0x28, 0xa0, 0xa1, 0xe2, 0x28, 0xa1, 0xf0, 0x28, 0x8c, 0xbc]);
    case 9:
      return Buffer.from(`{"metrics":{"a":${r.pick(['NaN', 'Infinity', '1e999', '-0', '0x10', '01'])}}}`);
    case 10:
      return Buffer.from('{"__proto__":{"polluted":1},"metrics":{"a":1},"constructor":{"prototype":{"polluted":2}}}');
    case 11:
      return Buffer.from(`${'['.repeat(20_000)}${']'.repeat(20_000)}`);
    case 12:
      return r.int(20) === 0
        ? Buffer.alloc(70 * 1024, 0x20)
        : text({ metrics: Object.fromEntries(Array.from({ length: r.int(300) }, (_, i) => [`m${i}`, i])) });
    default:
      return text({ ts: r.pick([-1, 0, 1e20, '2026-13-45T00:00:00Z', 'yesterday', Date.now()]), metrics: { a: 1 } });
  }
}

describe('fuzz: 10,000 random topics and payloads against the real broker', () => {
  let h: SecurityHarness;
  let watcher: MqttClient;
  const rejections: Array<{ topic: string; payload: string }> = [];
  beforeAll(async () => {
    h = await startBroker({ allowAnonymous: true, limits: { messagesPerSecond: 0 } });
    watcher = await h.connect({ clientId: 'watcher' });
    await watcher.subscribeAsync('citysense/rejected/#');
    watcher.on('message', (topic, p) => rejections.push({ topic, payload: p.toString() }));
  });
  afterAll(() => h.close());

  it(
    'PUBACKs all, ingests only valid readings of the sender, refuses the rest with a reason, and stays up',
    { timeout: 60_000 },
    async () => {
      const r = prng(20260808);
      const clients = await Promise.all(DEVICES.map(async (id) => (await RawClient.open(h.port, { clientId: id })).client));
      let sent = 0;
      while (sent < COUNT) {
        const acked = clients.map((c) => c.packets.filter((p) => p.cmd === 'puback').length);
        const want = acked.slice();
        for (let i = 0; i < WINDOW && sent < COUNT; i++, sent++) {
          const k = r.int(clients.length);
          want[k]!++;
          clients[k]!.send({
            cmd: 'publish',
            topic: topicFor(r, DEVICES[k]!),
            payload: payloadFor(r),
            qos: 1,
            messageId: (sent % 65_000) + 1,
            retain: false,
            dup: false,
          });
        }
        // Bounded: each window is acknowledged within 20 s or the test fails below.
        const until = Date.now() + 20_000;
        while (
          clients.some((c, k) => c.packets.filter((p) => p.cmd === 'puback').length < want[k]!) &&
          !clients.some((c) => c.closed) &&
          Date.now() < until
        ) {
          await new Promise((res) => setTimeout(res, 5));
        }
        expect(clients.map((c) => c.closed)).toEqual([false, false, false, false]);
      }
      const pubacks = clients.reduce((n, c) => n + c.packets.filter((p) => p.cmd === 'puback').length, 0);
      expect(pubacks).toBe(COUNT);

      const stats = h.ingest.stats();
      expect(stats.accepted + stats.refused).toBe(COUNT);
      expect(h.readings.length).toBe(stats.accepted);
      for (const reading of h.readings) {
        expect(Reading.safeParse(reading).success).toBe(true);
        expect(DEVICES).toContain(reading.deviceId);
      }
      // Every refusal reached the rejection topics, with a known reason and the issue named.
      for (let i = 0; i < 400 && rejections.length < stats.refused; i++) await new Promise((res) => setTimeout(res, 10));
      expect(rejections.length).toBe(stats.refused);
      for (const { topic, payload } of rejections) {
        const parsed = Rejection.safeParse(JSON.parse(payload));
        expect(parsed.success).toBe(true);
        expect(parsed.data!.issues.length).toBeGreaterThan(0);
        expect(DEVICES).toContain(topic.split('/').at(-1));
      }
      expect(({} as Record<string, unknown>).polluted).toBeUndefined();
      // Both outcomes are well represented, so the test is not vacuous.
      expect(stats.accepted).toBeGreaterThan(500);
      expect(Object.keys(stats.byReason).length).toBeGreaterThanOrEqual(5);
      clients.forEach((c) => c.destroy());
    },
  );
});
