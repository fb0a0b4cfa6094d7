// `npm run bench:overload`: drive the real service past capacity from many publishers and show
// that it stays up, answers, still alerts, and says what it shed or slowed. Phase 1 keeps the
// default per-device rate limit (the limiter slows each device: backpressure); phase 2 turns it
// off so the broker's overload gate has to hold the flood back; phase 3 floods from 200
// connections with every limit at its default. Each phase measures, while the flood runs, how
// long a new connection waits for its CONNACK and /api/health for its answer.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import mqtt from 'mqtt';
import { measureAlertLatency, percentile } from './latency.js';
import { crashes, rssMb, scrape, startService, worker } from './procs.js';

const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    generators: { type: 'string', default: '4' },
    connections: { type: 'string', default: '25' },
    only: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  console.log(
    'npm run bench:overload -- [--duration S (per phase)] [--generators N] [--connections N per generator] [--only on|off|flood]',
  );
  process.exit(0);
}
const durationMs = Number(opt.duration) * 1000;
const generators = Number(opt.generators);
const connections = Number(opt.connections);
const log = (s: string) => console.log(`[overload] ${s}`);

const pick = (m: Record<string, number>, prefix: string) => Object.fromEntries(Object.entries(m).filter(([k]) => k.startsWith(prefix)));
const spread = (ms: number[]) => ({
  p50: Math.round(percentile(ms, 50)),
  p99: Math.round(percentile(ms, 99)),
  max: Math.round(Math.max(...ms)),
});

/** Milliseconds from opening a new MQTT connection to its CONNACK (ok) or its refusal or timeout. */
async function connackMs(url: string, clientId: string): Promise<{ ms: number; ok: boolean }> {
  const t = performance.now();
  const c = mqtt.connect(url, { clientId, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 10_000 });
  const ok = await new Promise<boolean>((resolve) => {
    c.once('connect', () => resolve(true));
    c.once('error', () => resolve(false));
    c.once('close', () => resolve(false));
  });
  const ms = performance.now() - t;
  c.end(true);
  return { ms, ok };
}

async function phase(name: string, env: Record<string, string>, generatorCount: number, perGenerator: number) {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-overload-'));
  const svc = await startService({
    CITYSENSE_DATA_DIR: dataDir,
    CITYSENSE_RULES: join(import.meta.dirname, 'rules-20.yaml'),
    CITYSENSE_FLOWS: '0',
    ...env,
  });
  log(`${name}: ${generatorCount} generators × ${perGenerator} publishers at full speed for ${durationMs / 1000} s`);
  const gens = Array.from({ length: generatorCount }, (_, g) =>
    worker('generator.ts', { url: svc.mqtt, connections: perGenerator, rate: 0, durationMs, seed: 7 + g, prefix: `ov${g}-` }),
  );
  await Promise.all(gens.map((g) => g.next('ready')));
  const done = Promise.all(gens.map((g) => g.next<{ sent: number }>('done', durationMs + 120_000)));
  for (const g of gens) g.proc.send({ type: 'go' });
  // While the flood runs: is the service still answering, and still taking new connections?
  let healthOk = 0;
  let healthFail = 0;
  const healthMs: number[] = [];
  const connack: number[] = [];
  let connackFail = 0;
  const until = Date.now() + durationMs;
  while (Date.now() < until) {
    const probe = await connackMs(svc.mqtt, `probe-${connack.length}`);
    connack.push(probe.ms);
    if (!probe.ok) connackFail++;
    const t = performance.now();
    const ok = await fetch(`${svc.http}/api/health`, { signal: AbortSignal.timeout(5000) }).then(
      (r) => r.ok,
      () => false,
    );
    healthMs.push(performance.now() - t);
    if (ok) healthOk++;
    else healthFail++;
    await new Promise((r) => setTimeout(r, 500));
  }
  const sent = (await done).reduce((a, d) => a + d.sent, 0);
  await Promise.all(gens.map((g) => g.stop()));
  // Afterwards: alive, and still turning a crossing into an alert.
  const latencies = await measureAlertLatency(svc.mqtt, svc.ws, svc.token, 20, 60_000).catch(() => [] as number[]);
  const m = await scrape(svc.http);
  const rss = rssMb(svc.proc.pid!);
  await svc.stop();
  rmSync(dataDir, { recursive: true, force: true });
  return {
    phase: name,
    offered: sent,
    offeredPerSec: Math.round(sent / (durationMs / 1000)),
    accepted: m['citysense_readings_accepted_total'] ?? 0,
    acceptedPerSec: Math.round((m['citysense_readings_accepted_total'] ?? 0) / (durationMs / 1000)),
    refused: pick(m, 'citysense_readings_refused_total'),
    limited: pick(m, 'citysense_broker_limited_total'),
    healthDuringLoad: `${healthOk} ok / ${healthFail} failed`,
    healthMs: spread(healthMs),
    connectDuringLoad: `${connack.length - connackFail} CONNACK 0 / ${connackFail} refused or timed out`,
    connackMs: spread(connack),
    alertsAfter: latencies.length,
    alertP99MsAfter: latencies.length ? Number(percentile(latencies, 99).toFixed(1)) : null,
    rssMb: Math.round(rss),
  };
}

async function main() {
  const results = [];
  const run = (which: string) => opt.only === undefined || opt.only === which;
  if (run('on'))
    results.push(
      await phase('device rate limit on (default 100 msg/s per device)', { CITYSENSE_DEVICE_RATE: '100' }, generators, connections),
    );
  if (run('off'))
    results.push(await phase('device rate limit off: overload gate only', { CITYSENSE_DEVICE_RATE: '0' }, generators, connections));
  // Every limit at its default, the per-IP connection rate included (600/min, burst 200).
  if (run('flood'))
    results.push(
      await phase('flood: 200 connections, default limits', { CITYSENSE_DEVICE_RATE: '100', CITYSENSE_CONNECT_RATE: '600' }, 4, 50),
    );
  for (const r of results) {
    console.log(`\n## ${r.phase}`);
    for (const [k, v] of Object.entries(r)) if (k !== 'phase') console.log(`  ${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  }
  const alive = crashes.length === 0 && results.every((r) => r.alertsAfter > 0);
  if (crashes.length) console.log(`\nCRASHED: ${crashes.join('; ')}`);
  console.log(`RESULT ${JSON.stringify({ crashed: crashes.length > 0, alive, crashes, results })}`);
  process.exit(alive ? 0 : 1);
}

main().catch((err: unknown) => {
  console.error(err);
  console.log(`RESULT ${JSON.stringify({ crashed: crashes.length > 0, crashes, error: String(err) })}`);
  process.exit(1);
});
