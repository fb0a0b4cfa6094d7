// Device limits: per-device message rate (it slows, never refuses), connections per IP, packet
// size, and the publish gate that holds, then sheds, when aedes' emitter is backed up.
import { afterEach, describe, expect, it } from 'vitest';
import mqttPacket from 'mqtt-packet';
import { Rejection } from '../../broker/index.js';
import { createPublishGate, createTokenBuckets } from '../../broker/limits.js';
import { RawClient, startBroker, type SecurityHarness } from './harness.js';

describe('token buckets (controlled clock)', () => {
  it('allow a burst, then the refill rate, per key', () => {
    let t = 0;
    const b = createTokenBuckets(2, 3, () => t);
    expect([1, 2, 3, 4].map(() => b.take('a'))).toEqual([true, true, true, false]);
    expect(b.take('b')).toBe(true); // keys are independent
    t += 499;
    expect(b.take('a')).toBe(false);
    t += 1; // 500 ms at 2/s = one token
    expect([b.take('a'), b.take('a')]).toEqual([true, false]);
  });

  it('forget full buckets when over maxKeys, so memory follows the busy keys', () => {
    let t = 0;
    const b = createTokenBuckets(1, 1, () => t, 10);
    for (let i = 0; i < 10; i++) b.take(`k${i}`);
    t += 2000;
    b.take('new');
    expect(b.size()).toBe(1);
  });

  it('rate 0 is no limit', () => {
    const b = createTokenBuckets(0, 1);
    expect(Array.from({ length: 1000 }, () => b.take('a')).every(Boolean)).toBe(true);
  });
});

describe('publish gate', () => {
  it('runs at once while the emitter has room, holds in order while it has not, sheds beyond maxHeld', async () => {
    let queued = 0;
    const gate = createPublishGate({ queued: () => queued, maxQueued: 10, maxHeld: 3, maxPerTurn: 1000 });
    const ran: number[] = [];
    expect(gate.pass(() => ran.push(0))).toBe(true);
    queued = 10;
    expect([1, 2, 3].map((i) => gate.pass(() => ran.push(i)))).toEqual([true, true, true]);
    expect(gate.pass(() => ran.push(4))).toBe(false);
    expect(ran).toEqual([0]);
    queued = 0;
    for (let i = 0; i < 10 && ran.length < 4; i++) await new Promise((r) => setImmediate(r));
    expect(ran).toEqual([0, 1, 2, 3]);
    expect(gate.stats()).toEqual({ held: 3, shed: 1, waiting: 0 });
    gate.close();
  });

  it('lets at most maxPerTurn through per turn of the event loop, the rest in later turns, in order', async () => {
    const gate = createPublishGate({ queued: () => 0, maxQueued: 10, maxHeld: 100, maxPerTurn: 4 });
    const ran: number[] = [];
    // Ten publishes arrive in one turn (as one socket read hands them over): four run now…
    for (let i = 0; i < 10; i++) expect(gate.pass(() => ran.push(i))).toBe(true);
    const progress = [ran.length];
    // …and four more per turn after it, so other I/O gets the loop in between.
    for (let t = 0; t < 5 && ran.length < 10; t++) {
      await new Promise((r) => setImmediate(r));
      progress.push(ran.length);
    }
    expect(progress).toEqual([4, 8, 10]);
    expect(ran).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(gate.stats()).toMatchObject({ held: 6, shed: 0, waiting: 0 });
    gate.close();
  });
});

describe('broker limits (real broker)', () => {
  let h: SecurityHarness | undefined;
  afterEach(async () => {
    await h?.close();
    h = undefined;
  });

  it('slows a device above its rate instead of refusing: every publish is acknowledged and ingested, in order, and counted', async () => {
    h = await startBroker({ limits: { messagesPerSecond: 40, messageBurst: 5 } });
    const s1 = await h.connect({ clientId: 's1-gw', username: 's1', password: 'pw-s1' });
    await s1.subscribeAsync('citysense/rejected/sensor/s1');
    const notices: unknown[] = [];
    s1.on('message', (_t, p) => notices.push(JSON.parse(p.toString())));
    // Pipelined, as a gateway drains its buffer: 30 on the wire at once against a burst of 5.
    await Promise.all(
      Array.from({ length: 30 }, (_, i) => s1.publishAsync('city/sensor/s1/telemetry', JSON.stringify({ metrics: { n: i } }), { qos: 1 })),
    );
    for (let i = 0; i < 200 && h.readings.length < 30; i++) await new Promise((r) => setTimeout(r, 10));
    expect(h.readings.map((r) => r.metrics.n)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    const stats = h.broker.stats();
    expect(stats.publishesRateLimited).toBeGreaterThan(0);
    expect(stats.publishesRateLimited).toBeLessThanOrEqual(25); // the burst is never held
    expect(stats).toMatchObject({ publishesRefused: 0, publishesRateWaiting: 0 });
    expect(h.ingest.stats().refused).toBe(0);
    expect(notices).toEqual([]); // nothing was refused, so nothing is on the rejection topic
    expect(s1.connected).toBe(true);
    // Another device has its own bucket.
    const s2 = await h.connect({ clientId: 's2-gw', username: 's2', password: 'pw-s2' });
    await s2.publishAsync('city/sensor/s2/telemetry', JSON.stringify({ metrics: { n: 99 } }), { qos: 1 });
    expect(h.readings.some((r) => r.deviceId === 's2')).toBe(true);
  });

  it('stops parsing and reading the socket of a held device (TCP pushes back), and forgets what it held when it goes', async () => {
    // A refill this slow makes the burst the whole allowance during the test.
    h = await startBroker({ limits: { messagesPerSecond: 0.001, messageBurst: 1 } });
    const { client } = await RawClient.open(h.port, { clientId: 'flood', username: 's1', password: 'pw-s1' });
    const one = mqttPacket.generate({
      cmd: 'publish',
      topic: 'city/sensor/s1/telemetry',
      payload: Buffer.from('{"metrics":{"n":1}}'),
      qos: 0,
      retain: false,
      dup: false,
    });
    const SENT = 40_000; // ~2 MB: far more than one read of the socket
    client.socket.write(Buffer.concat(Array.from({ length: SENT }, () => one)));
    const held = async () => {
      let last = -1;
      for (let i = 0; i < 100; i++) {
        await new Promise((r) => setTimeout(r, 20));
        const now = h!.broker.stats().publishesRateWaiting;
        if (now > 0 && now === last) return now;
        last = now;
      }
      return last;
    };
    const waiting = await held();
    // One publish past the burst waits; its parser stops there, so the rest of what one read
    // brought in waits as bytes, and what the device sent beyond that stays in the socket buffers.
    expect(waiting).toBe(1);
    const conn = (h.broker.aedes as unknown as { clients: Record<string, { conn: { bytesRead: number } }> }).clients.flood!.conn;
    const read = conn.bytesRead;
    expect(read).toBeLessThan((one.length * SENT) / 8);
    await new Promise((r) => setTimeout(r, 300));
    expect(conn.bytesRead).toBe(read);
    expect(h.readings).toHaveLength(1);
    // A held socket is not read, so its own close is seen only when it is read again; the broker
    // closing it is seen at once: here a new connection takes over the client id.
    const { client: next } = await RawClient.open(h.port, { clientId: 'flood', username: 's1', password: 'pw-s1' });
    await client.until(() => false, 1000);
    expect(client.closed).toBe(true);
    expect(h.broker.stats().publishesRateWaiting).toBe(0);
    expect(h.readings).toHaveLength(1); // nothing held ran after its client went
    next.destroy();
  });

  it('refuses connections from an IP above its rate with CONNACK 3 (server unavailable), before any password check', async () => {
    h = await startBroker({ limits: { connectionsPerMinute: 0.001, connectionBurst: 3 } });
    const codes: Array<number | undefined> = [];
    for (let i = 0; i < 5; i++) {
      const { client, returnCode } = await RawClient.open(h.port, { clientId: `c${i}`, username: 's1', password: 'pw-s1' });
      codes.push(returnCode);
      client.destroy();
    }
    expect(codes).toEqual([0, 0, 0, 3, 3]);
    expect(h.broker.stats()).toMatchObject({ connectsRateLimited: 2, connectsRefused: 2 });
  });

  it('closes a connection whose packet announces more than maxPacketBytes, with too_large on its rejection topic', async () => {
    h = await startBroker({ limits: { maxPacketBytes: 4096 } });
    const ops = await h.connect({ clientId: 'ops-1', username: 'ops', password: 'pw-ops' });
    await ops.subscribeAsync('citysense/rejected/#');
    const seen: Rejection[] = [];
    ops.on('message', (_t, p) => seen.push(Rejection.parse(JSON.parse(p.toString()))));
    const { client } = await RawClient.open(h.port, { clientId: 'big', username: 's1', password: 'pw-s1' });
    // Only the fixed header and the first bytes are sent: the cut comes before the body is buffered.
    const packet = publishHeader('city/sensor/s1/telemetry', 1_000_000);
    client.socket.write(packet.subarray(0, 64));
    await client.until(() => false, 2000);
    expect(client.closed).toBe(true);
    expect(h.broker.stats().packetsTooLarge).toBe(1);
    for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    expect(seen[0]).toMatchObject({ reason: 'too_large' });
    // Below the cap, an oversized payload is ingest's to refuse, and the connection stays.
    const s2 = await h.connect({ clientId: 's2-gw', username: 's2', password: 'pw-s2' });
    await s2.publishAsync('city/sensor/s2/telemetry', 'x'.repeat(3000), { qos: 1 });
    expect(s2.connected).toBe(true);
  });
});

/** A PUBLISH header announcing `size` payload bytes (only the start is ever sent). */
function publishHeader(topic: string, size: number): Buffer {
  const t = Buffer.from(topic);
  const remaining = 2 + t.length + size;
  const len: number[] = [];
  let x = remaining;
  do {
    let byte = x % 128;
    x = Math.floor(x / 128);
    if (x > 0) byte |= 128;
    len.push(byte);
  } while (x > 0);
  return Buffer.concat([Buffer.from([0x30, ...len, t.length >> 8, t.length & 255]), t, Buffer.alloc(32)]);
}
