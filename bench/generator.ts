// A load-generator process: N mqtt.js connections (one device each), publishing QoS 0 as fast
// as allowed or at a fixed total rate, for a bounded time. Reports counts to its parent (IPC).
import mqtt, { type MqttClient } from 'mqtt';
import { buildPool } from './payload-pool.js';

interface Args {
  url: string;
  connections: number;
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

async function connect(clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    // keepalive 300 s: a QoS 0 firehose reads nothing back, and mqtt.js 5 counts only PINGRESP and acks
    // as signs of life, so at a sustained overload its PINGREQ, queued behind megabytes of its own
    // backlog in the TCP buffers, can take longer than the 30 s mqtt.js allows (docs/performance.md).
    const c = mqtt.connect(args.url, { clientId, protocolVersion: 4, reconnectPeriod: 0, keepalive: 300 });
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
  const clients = await Promise.all(pool.map((d) => connect(d.id)));
  send({ type: 'ready' });
  await new Promise<void>((resolve) => process.once('message', () => resolve()));
  let stopRequested = false;
  process.on('message', (m: { type: string }) => {
    if (m.type === 'stop') stopRequested = true;
  });
  let sent = 0;
  // `lost` (published − stored) is only meaningful for publishes that reached the socket:
  // mqtt.js calls back once a QoS 0 packet is written to the stream (or failed to be).
  let written = 0;
  let failed = 0;
  const onWritten = (err?: Error) => (err ? failed++ : written++);
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
    // When every socket pushes back, wait for one to drain rather than poll: a generator that
    // spins on full sockets burns the core the service under test needs.
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
    // The phase ends on time, or at a stop, even if no socket drains.
    setTimeout(wake, args.durationMs).unref();
    process.on('message', (m: { type: string }) => {
      if (m.type === 'stop') wake();
    });
    const pump = () => {
      const now = performance.now();
      if (now >= end || stopRequested) return resolve();
      allowance = args.rate > 0 ? Math.min(allowance + (now - last) * perTickBudget, args.rate / 10) : Infinity;
      last = now;
      let burst = 0;
      let blocked = 0;
      // Write round-robin until the rate budget is spent, every socket pushes back, or 2000
      // publishes (then yield via setImmediate so callbacks and IPC run).
      while (burst < 2000 && allowance >= 1) {
        const k = i++ % clients.length;
        const c = clients[k]!;
        const d = pool[k]!;
        // A publish mqtt.js cannot write now (connection gone) would wait in its offline
        // queue, and one the socket has not taken yet is not published: neither is counted,
        // and at most MAX_OUTSTANDING are waiting for their write at any time.
        const gone = !c.connected;
        if (gone || (c.stream as { writableNeedDrain?: boolean }).writableNeedDrain) {
          if (gone) notConnected++;
          if (++blocked >= clients.length) return sleepUntilDrain();
          continue;
        }
        blocked = 0;
        if (sent - written - failed >= MAX_OUTSTANDING) return setTimeout(pump, 1);
        c.publish(d.topic, d.payloads[sent % d.payloads.length]!, { qos: 0 }, onWritten);
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
  // Every publish written to its socket before the connections close (bounded wait).
  for (let i = 0; i < 500 && written + failed < sent; i++) await new Promise((r) => setTimeout(r, 10));
  const closedEarly = closes;
  // A device slowed by its rate limit has publishes that never reach the socket in time: a graceful
  // end would wait for the broker to read them all, at that rate; those are dropped instead.
  const flushed = written + failed >= sent;
  await Promise.all(clients.map((c) => c.endAsync(!flushed)));
  send({ type: 'done', sent, written, failed, closes: closedEarly, reasons: [...reasons], notConnected, elapsedMs });
  process.exit(0);
}

main().catch((err: unknown) => {
  send({ type: 'error', message: String(err) });
  process.exit(1);
});
