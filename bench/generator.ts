// A load-generator process: N mqtt.js connections (one device each, spread over one or more
// brokers), publishing QoS 0 or 1 as fast as allowed or at a fixed total rate, for a bounded time
// and at most a bounded count. Reports counts to its parent (IPC).
import mqtt, { type MqttClient } from 'mqtt';
import { buildPool } from './payload-pool.js';

interface Args {
  url: string;
  /** Brokers to spread the devices over, round-robin (default: `url` alone). */
  urls?: string[];
  connections: number;
  /** QoS of every publish (default 0). At QoS 1 a publish counts as written once its PUBACK came. */
  qos?: 0 | 1;
  /** Publishes at most, for this process (default: no bound). */
  limit?: number;
  /** At QoS 1, unacknowledged publishes per connection at most, as a gateway keeps (default: no bound). */
  window?: number;
  /**
   * Give every publish a `ts` of its own (now, and a fraction that differs per publish), as a
   * gateway that stamps its readings does. Without it the service stamps the time of arrival, and
   * two equal payloads of one device arriving in the same millisecond are the same reading.
   */
  stamp?: boolean;
  /** Total messages/s for this process; 0 = as fast as the broker takes them. */
  rate: number;
  durationMs: number;
  seed: number;
  prefix: string;
}

const args = JSON.parse(process.argv[2] ?? '{}') as Args;
/** Publishes handed to mqtt.js and not yet written to their socket, per generator process. */
const MAX_OUTSTANDING = 20_000;
const send = (m: unknown) => process.send?.(m);

async function connect(url: string, clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    // keepalive 300 s: a QoS 0 firehose reads nothing back, and mqtt.js 5 counts only PINGRESP and acks
    // as signs of life, so at a sustained overload its PINGREQ, queued behind megabytes of its own
    // backlog in the TCP buffers, can take longer than the 30 s mqtt.js allows (docs/performance.md).
    const c = mqtt.connect(url, { clientId, protocolVersion: 4, reconnectPeriod: 0, keepalive: 300 });
    c.once('connect', () => {
      // Nagle off, as on the broker side, so latency compares like with like.
      (c.stream as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
      resolve(c);
    });
    c.once('error', reject);
  });
}

async function main() {
  const pool = buildPool(args.connections, 32, args.seed, args.prefix);
  const urls = args.urls ?? [args.url];
  const qos = args.qos ?? 0;
  const limit = args.limit ?? Infinity;
  const clients = await Promise.all(pool.map((d, k) => connect(urls[k % urls.length]!, d.id)));
  // `{"ts":…,` + the rest of the payload, when stamping.
  // The fraction counts a device's publishes in 1/4096 ms steps, exact in a double at today's
  // epoch ms (2^40 to 2^41), so a device's times differ while it sends fewer than 4096 per ms.
  const tails = pool.map((d) => d.payloads.map((p) => p.subarray(1).toString()));
  const stamped = pool.map(() => 0);
  const body = (k: number, n: number): Buffer | string => {
    const p = pool[k]!.payloads[n % pool[k]!.payloads.length]!;
    if (!args.stamp) return p;
    const tail = tails[k]![n % tails[k]!.length]!;
    const ts = Date.now() + (stamped[k]!++ % 4096) / 4096;
    return `{"ts":${ts}${tail === '}' ? '' : ','}${tail}`;
  };
  send({ type: 'ready' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  let stopRequested = false;
  process.on('message', (m: { type: string }) => {
    if (m.type === 'stop') stopRequested = true;
  });
  let sent = 0;
  // `lost` (published − stored) is only meaningful for publishes that reached the socket:
  // mqtt.js calls back once a QoS 0 packet is written to the stream (or failed to be), and once
  // a QoS 1 packet's PUBACK came. `lastWrittenMs`: when the last of them did, from the start.
  let written = 0;
  let failed = 0;
  let lastWrittenMs = 0;
  const onWritten = (err?: Error) => {
    if (err) return failed++;
    written++;
    lastWrittenMs = performance.now() - start;
  };
  // At QoS 1 with a window: each connection's unacknowledged publishes; an ack may wake the pump.
  const window = qos === 1 ? (args.window ?? Infinity) : Infinity;
  const unacked = clients.map(() => 0);
  let onAck: () => void = () => undefined;
  const callbacks = clients.map((_, k) =>
    window === Infinity
      ? onWritten
      : (err?: Error) => {
          unacked[k]!--;
          onWritten(err);
          onAck();
        },
  );
  let notConnected = 0;
  let closes = 0;
  const reasons = new Set<string>();
  for (const c of clients) {
    c.on('close', () => closes++);
    // Why a connection went: mqtt.js reports its own keepalive timeout here, a broker-side close only as 'close'.
    c.on('error', (err) => reasons.add(String(err.message)));
  }
  const start = performance.now();
  const end = start + args.durationMs;
  const perTickBudget = args.rate > 0 ? args.rate / 1000 : Infinity; // per ms
  let allowance = 0;
  let last = start;
  let i = 0;
  await new Promise<void>((resolve) => {
    // When every socket pushes back (or has its window full), wait for one to drain (or for an
    // ack) rather than poll: a generator that spins on full sockets burns the core the service
    // under test needs.
    let asleep = false;
    const armed = new Set<number>();
    const wake = () => {
      if (!asleep) return;
      asleep = false;
      // Through setImmediate: resuming straight from 'drain' stalls the generator.
      setImmediate(pump);
    };
    const sleepUntilDrain = () => {
      asleep = true;
      for (let k = 0; k < clients.length; k++) {
        if (armed.has(k)) continue;
        armed.add(k);
        clients[k]!.stream.once('drain', () => {
          armed.delete(k);
          wake();
        });
      }
    };
    onAck = wake;
    // The phase ends on time, or at a stop, even if no socket drains.
    setTimeout(wake, args.durationMs).unref();
    process.on('message', (m: { type: string }) => {
      if (m.type === 'stop') wake();
    });
    const pump = () => {
      const now = performance.now();
      if (now >= end || stopRequested || sent >= limit) return resolve();
      allowance = args.rate > 0 ? Math.min(allowance + (now - last) * perTickBudget, args.rate / 10) : Infinity;
      last = now;
      let burst = 0;
      let blocked = 0;
      // Write round-robin until the rate budget is spent, every socket pushes back, or 2000
      // publishes (then yield via setImmediate so callbacks and IPC run).
      while (burst < 2000 && allowance >= 1 && sent < limit) {
        const k = i++ % clients.length;
        const c = clients[k]!;
        // A publish mqtt.js cannot write now (connection gone) would wait in its offline
        // queue, and one the socket has not taken yet is not published: neither is counted,
        // and at most MAX_OUTSTANDING are waiting for their write at any time.
        const gone = !c.connected;
        if (gone || unacked[k]! >= window || (c.stream as { writableNeedDrain?: boolean }).writableNeedDrain) {
          if (gone) notConnected++;
          if (++blocked >= clients.length) return sleepUntilDrain();
          continue;
        }
        blocked = 0;
        if (sent - written - failed >= MAX_OUTSTANDING) return setTimeout(pump, 1);
        c.publish(pool[k]!.topic, body(k, sent), { qos }, callbacks[k]);
        unacked[k]!++;
        sent++;
        burst++;
        allowance -= 1;
      }
      if (args.rate > 0 && allowance < 1) setTimeout(pump, 1);
      else setImmediate(pump);
    };
    pump();
  });
  const elapsedMs = performance.now() - start;
  // Every publish written to its socket (at QoS 1: acknowledged) before the connections close (bounded wait).
  const waitMs = qos === 1 ? 60_000 : 5_000;
  for (const until = performance.now() + waitMs; written + failed < sent && performance.now() < until;)
    await new Promise((r) => setTimeout(r, 10));
  const closedEarly = closes;
  // A device slowed by its rate limit has publishes that never reach the socket in time: a graceful
  // end would wait for the broker to read them all, at that rate; those are dropped instead.
  const flushed = written + failed >= sent;
  await Promise.all(clients.map((c) => c.endAsync(!flushed)));
  send({ type: 'done', sent, written, failed, closes: closedEarly, reasons: [...reasons], notConnected, elapsedMs, lastWrittenMs });
  process.exit(0);
}

main().catch((err: unknown) => {
  send({ type: 'error', message: String(err) });
  process.exit(1);
});
