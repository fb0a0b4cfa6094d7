// What gets through: devices publish only under their own id, nobody writes citysense/#,
// bad payloads are refused with the field named while good devices keep flowing.
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Rejection } from '../../broker/index.js';
import { nextMessage, record, startHarness, waitForReading, type Harness } from './helpers.js';

describe('publish ACL and ingest (registered devices only)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ allowAnonymous: false });
  });
  afterAll(() => h.close());

  it('device A cannot publish under device B: dropped, rejection published, A stays connected', async () => {
    const ops = await h.connect({ clientId: 'ops-a', username: 'ops', password: 'pw-ops' });
    await ops.subscribeAsync(['city/#', 'citysense/rejected/#']);
    const seenByOps = record(ops);
    const a = await h.connect({ clientId: 's1', username: 's1', password: 'pw-s1' });
    await a.subscribeAsync('citysense/rejected/sensor/s1');
    const rejected = nextMessage(a, (t) => t === 'citysense/rejected/sensor/s1');

    // QoS 1: the broker still acknowledges (the packet is dropped, not the connection).
    await a.publishAsync('city/sensor/s2/telemetry', JSON.stringify({ metrics: { impostor: 1 } }), { qos: 1 });
    const r = await rejected;
    expect(Rejection.parse(r.json)).toEqual({
      topic: 'city/sensor/s2/telemetry',
      reason: 'not_own_topic',
      issues: [{ path: 'topic', message: 'client "s1" may not publish as device "s2"' }],
    });

    // Barrier: A's next, legitimate message arrives, so the impostor one would have too.
    const opsGotLegit = nextMessage(ops, (t) => t === 'city/sensor/s1/telemetry');
    await a.publishAsync('city/sensor/s1/telemetry', JSON.stringify({ metrics: { waterLevel: 0.1 } }), { qos: 1 });
    await waitForReading(h, (x) => x.deviceId === 's1' && x.metrics.waterLevel === 0.1);
    await opsGotLegit;
    expect(h.readings.some((x) => x.metrics.impostor !== undefined)).toBe(false);
    expect(seenByOps.some((m) => m.payload.includes('impostor'))).toBe(false);
    expect(h.ingest.stats().byReason.not_own_topic).toBeGreaterThanOrEqual(1);
    expect(h.ingest.deadLetters.list(10).some((d) => d.topic === 'city/sensor/s2/telemetry' && d.reason === 'not_own_topic')).toBe(true);
  });

  it('a camera cannot publish as a sensor under its own id', async () => {
    const c1 = await h.connect({ clientId: 'c1', username: 'c1', password: 'pw-c1' });
    await c1.subscribeAsync('citysense/rejected/camera/c1');
    const rejected = nextMessage(c1, () => true);
    await c1.publishAsync('city/sensor/c1/telemetry', JSON.stringify({ metrics: { a: 1 } }));
    expect((await rejected).json).toMatchObject({ reason: 'not_own_topic', topic: 'city/sensor/c1/telemetry' });
  });

  it('a registered device cannot publish to citysense/rejected/… nor subscribe to others’ topics', async () => {
    const ops = await h.connect({ clientId: 'ops-b', username: 'ops', password: 'pw-ops' });
    await ops.subscribeAsync('citysense/rejected/#');
    const seen = record(ops);
    const s2 = await h.connect({ clientId: 'gw2', username: 'gateway-s2', password: 'pw-s2' });
    // SUBACK 0x80 for the filter outside its own topics; mqtt.js reports it as an error.
    const refused = await s2.subscribeAsync(['city/#', 'city/sensor/s2/#']).catch((e: unknown) => e);
    expect(refused).toMatchObject({ packet: { granted: [128, 0] } });
    expect(s2.connected).toBe(true);

    const own = nextMessage(ops, (t) => t === 'citysense/rejected/sensor/s2');
    await s2.publishAsync('citysense/rejected/x/y', JSON.stringify({ topic: 'forged', reason: 'internal', issues: [] }));
    expect((await own).json).toMatchObject({ topic: 'citysense/rejected/x/y', reason: 'reserved_topic' });
    expect(seen.some((m) => m.topic === 'citysense/rejected/x/y' || m.payload.includes('forged'))).toBe(false);
  });

  it('refuses malformed payloads on citysense/rejected/{kind}/{id} naming the field, while good readings flow', async () => {
    const good = await h.connect({ clientId: 's1-good', username: 's1', password: 'pw-s1' });
    const bad = await h.connect({ clientId: 'gw2-bad', username: 'gateway-s2', password: 'pw-s2' });
    const cam = await h.connect({ clientId: 'c1-bad', username: 'c1', password: 'pw-c1' });
    await bad.subscribeAsync('citysense/rejected/sensor/s2');
    await cam.subscribeAsync('citysense/rejected/camera/c1');
    const badRejections = record(bad);
    const camRejection = nextMessage(cam, () => true);
    const before = h.ingest.stats();

    const T = Date.UTC(2025, 0, 1); // inside the accepted window of device clocks
    const send = (n: number) => good.publishAsync('city/sensor/s1/telemetry', JSON.stringify({ ts: T + n, metrics: { seq: n } }));
    await send(1);
    await bad.publishAsync('city/sensor/s2/telemetry', JSON.stringify({ metrics: { waterLevel: 'high' } }));
    await send(2);
    await bad.publishAsync('city/sensor/s2/telemetry', '{"metrics": ');
    await send(3);
    await bad.publishAsync('city/sensor/s2/event', JSON.stringify({ type: 'smoke', confidence: 0.5 }));
    await cam.publishAsync('city/camera/c1/event', JSON.stringify({ type: 'smoke', confidence: 1.2 }));
    await send(4);

    await waitForReading(h, (r) => r.deviceId === 's1' && r.metrics.seq === 4);
    const s1Seqs = h.readings.filter((r) => r.deviceId === 's1' && r.metrics.seq !== undefined).map((r) => r.metrics.seq);
    expect(s1Seqs).toEqual([1, 2, 3, 4]);
    const s1 = h.readings.find((r) => r.metrics.seq === 1);
    // Registry fallbacks: loc, district and grid of s1; ts from the payload.
    expect(s1).toMatchObject({ ts: T + 1, loc: { lat: 39.9, lon: 116.4 }, district: 'Dongcheng', grid: 'DC-01' });

    expect((await camRejection).json).toEqual({
      topic: 'city/camera/c1/event',
      reason: 'invalid_payload',
      issues: [{ path: 'confidence', message: expect.any(String) }],
    });
    // QoS 0 from the service to bad: wait until all three refusals are in.
    while (badRejections.length < 3) await new Promise((resolve) => setTimeout(resolve, 5));
    const bodies = badRejections.map((m) => Rejection.parse(JSON.parse(m.payload)));
    expect(bodies.map((b) => b.reason)).toEqual(['invalid_payload', 'invalid_json', 'bad_topic']);
    expect(bodies[0]?.issues).toEqual([{ path: 'metrics.waterLevel', message: expect.any(String) }]);
    expect(bodies[2]?.issues[0]?.path).toBe('topic.channel');
    expect(h.readings.some((r) => r.deviceId === 's2' && r.metrics.waterLevel !== undefined)).toBe(false);

    const after = h.ingest.stats();
    expect(after.accepted - before.accepted).toBe(4);
    expect(after.refused - before.refused).toBe(4);
    // Two connections: their relative order at the broker is not defined, so compare as sets.
    expect(
      h.ingest.deadLetters
        .list(4)
        .map((d) => d.reason)
        .sort(),
    ).toEqual(['bad_topic', 'invalid_json', 'invalid_payload', 'invalid_payload']);
  });

  it('speaks MQTT over WebSocket on /mqtt', async () => {
    const ws = await h.connect({ ws: true, clientId: 'c1-ws', username: 'c1', password: 'pw-c1' });
    await ws.publishAsync('city/camera/c1/event', JSON.stringify({ type: 'fire', confidence: 0.95, count: 1 }));
    const r = await waitForReading(h, (x) => x.deviceId === 'c1' && x.events[0]?.type === 'fire');
    expect(r).toMatchObject({ kind: 'camera', channel: 'event', loc: { lat: 39.91, lon: 116.41 } });
    expect(r.grid).toMatch(/^G-\d+-\d+$/);
    await ws.subscribeAsync('citysense/rejected/camera/c1');
    const rejected = nextMessage(ws, () => true);
    await ws.publishAsync('city/camera/c1/event', 'not json');
    expect((await rejected).json).toMatchObject({ reason: 'invalid_json' });
  });

  it('serves WebSocket only on /mqtt', async () => {
    const status = (path: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(`ws://127.0.0.1:${h.ports.wsPort}${path}`, 'mqtt');
        socket.on('open', () => {
          socket.close();
          resolve(101);
        });
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.on('error', () => {});
      });
    expect(await status('/elsewhere')).toBe(400);
    expect(await status('/mqtt')).toBe(101);
  });
});

describe('publish ACL (anonymous allowed)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ allowAnonymous: true });
  });
  afterAll(() => h.close());

  it('nobody can publish to citysense/rejected/x/y', async () => {
    const watcher = await h.connect({ clientId: 'watcher' });
    await watcher.subscribeAsync('citysense/rejected/#');
    const seen = record(watcher);
    const evil = await h.connect({ clientId: 'evil' });
    const own = nextMessage(watcher, (t) => t === 'citysense/rejected/unknown/evil');
    await evil.publishAsync('citysense/rejected/x/y', JSON.stringify({ forged: true }), { qos: 1, retain: true });
    expect((await own).json).toMatchObject({ topic: 'citysense/rejected/x/y', reason: 'reserved_topic' });

    // Barrier: a later message from evil on its own topic reaches the watcher's other subscription.
    await watcher.subscribeAsync('city/#');
    const later = nextMessage(watcher, (t) => t === 'city/sensor/evil/telemetry');
    await evil.publishAsync('city/sensor/evil/telemetry', JSON.stringify({ metrics: { a: 1 } }));
    await later;
    expect(seen.some((m) => m.topic === 'citysense/rejected/x/y' || m.payload.includes('forged'))).toBe(false);

    // Nor was it retained: a fresh subscriber gets nothing on citysense/rejected/x/y.
    const fresh = await h.connect({ clientId: 'fresh' });
    const freshSeen = record(fresh);
    await fresh.subscribeAsync(['citysense/rejected/x/y', 'city/sensor/fresh/#']);
    const echo = nextMessage(fresh, (t) => t === 'city/sensor/fresh/telemetry');
    await fresh.publishAsync('city/sensor/fresh/telemetry', JSON.stringify({ metrics: { b: 2 } }));
    await echo;
    expect(freshSeen.some((m) => m.topic === 'citysense/rejected/x/y')).toBe(false);
  });

  it('refuses $SYS publishes and other top-level topics', async () => {
    const watcher = await h.connect({ clientId: 'watcher2' });
    await watcher.subscribeAsync('citysense/rejected/unknown/tricky');
    const got = record(watcher);
    const tricky = await h.connect({ clientId: 'tricky' });
    await tricky.publishAsync('$SYS/fake/heartbeat', 'x');
    await tricky.publishAsync('home/kitchen', 'x');
    while (got.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
    expect(got.map((m) => JSON.parse(m.payload).reason)).toEqual(['reserved_topic', 'reserved_topic']);
  });
});
