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
const send = (m: unknown) => process.send?.(m);

async function connect(clientId: string): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(args.url, { clientId, protocolVersion: 4, reconnectPeriod: 0, keepalive: 60 });
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
  const start = performance.now();
  const end = start + args.durationMs;
  const perTickBudget = args.rate > 0 ? args.rate / 1000 : Infinity; // per ms
  let allowance = 0;
  let last = start;
  let i = 0;
  await new Promise<void>((resolve) => {
    const pump = () => {
      const now = performance.now();
      if (now >= end || stopRequested) return resolve();
      allowance = args.rate > 0 ? Math.min(allowance + (now - last) * perTickBudget, args.rate / 10) : Infinity;
      last = now;
      let burst = 0;
      // Write until a socket pushes back or the rate budget is spent; then yield via
      // setImmediate (resuming straight from 'drain' stalls the generator).
      while (burst < 2000 && allowance >= 1) {
        const k = i++ % clients.length;
        const c = clients[k]!;
        const d = pool[k]!;
        if ((c.stream as { writableNeedDrain?: boolean }).writableNeedDrain) break;
        c.publish(d.topic, d.payloads[sent % d.payloads.length]!, { qos: 0 });
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
  await Promise.all(clients.map((c) => c.endAsync()));
  send({ type: 'done', sent, elapsedMs });
  process.exit(0);
}

main().catch((err: unknown) => {
  send({ type: 'error', message: String(err) });
  process.exit(1);
});
