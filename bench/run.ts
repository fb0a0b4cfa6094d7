// `npm run bench`: the real service against the brokers' own limits, in one run.
// Prints a table and a final `RESULT {json}` line. A run in which any process crashed reports
// no numbers (aedes 1.2 can overflow its stack under overload).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { measureAlertLatency, measureRelayLatency, percentile } from './latency.js';
import { fmt, log, settle, startLoad } from './load.js';
import { cpuMs, crashes, rssMb, scrape, startService, worker } from './procs.js';
import { ruleFileOfCount, rulesIn } from './rule-set.js';

const { values: opt } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '10' },
    generators: { type: 'string', default: '1' },
    rate: { type: 'string', default: '0' },
    'latency-load': { type: 'string' },
    'latency-samples': { type: 'string', default: '500' },
    rules: { type: 'string', default: join(import.meta.dirname, 'rules-20.yaml') },
    'rule-count': { type: 'string' },
    devices: { type: 'string' },
    quick: { type: 'boolean', default: false },
    'skip-baselines': { type: 'boolean', default: false },
    cluster: { type: 'string' },
    readings: { type: 'string' },
    help: { type: 'boolean', default: false },
  },
});
if (opt.help) {
  console.log(`npm run bench -- [--quick] [--duration S] [--connections N] [--generators N] [--devices N] [--rate MSG_PER_S (0 = max)]
                  [--latency-load MSG_PER_S] [--latency-samples N] [--rules FILE] [--rule-count N] [--skip-baselines]
                  [--cluster N [--readings N]]

  Each device is one MQTT connection (a device publishes under its own client id):
  --devices N spreads N devices over the generators (default: --connections per generator).
  --rule-count N cuts or grows the rule file to N rules (copies of its rules; the probe's rule is kept).
${(await import('./cluster.js')).CLUSTER_HELP}`);
  process.exit(0);
}
const durationMs = Number(opt.quick ? 5 : opt.duration) * 1000;
const generators = Number(opt.generators);
const connections = opt.devices !== undefined ? Math.ceil(Number(opt.devices) / generators) : Number(opt.connections);
if (!Number.isInteger(connections) || connections < 1 || !Number.isInteger(generators) || generators < 1) {
  console.error('--devices, --connections and --generators must be positive integers');
  process.exit(2);
}
const ruleSet =
  opt['rule-count'] !== undefined
    ? ruleFileOfCount(opt.rules!, Number(opt['rule-count']))
    : { path: opt.rules!, count: rulesIn(opt.rules!) };
const rate = Number(opt.rate);
const latencyLoad = Number(opt['latency-load'] ?? 20_000);
const latencySamples = opt.quick ? 100 : Number(opt['latency-samples']);

if (opt.cluster !== undefined) {
  const nodes = Number(opt.cluster);
  if (!Number.isInteger(nodes) || nodes < 1) {
    console.error('--cluster takes a number of nodes');
    process.exit(2);
  }
  // Only a cluster run loads the cluster bench (and the NATS client).
  const { CLUSTER_DEFAULTS, runClusterBench } = await import('./cluster.js');
  await runClusterBench({
    nodes,
    durationMs,
    readings: Number(opt.readings ?? (opt.quick ? CLUSTER_DEFAULTS.quickReadings : CLUSTER_DEFAULTS.readings)),
    generators,
    connections,
    rate,
    latencyLoad: Number(opt['latency-load'] ?? CLUSTER_DEFAULTS.latencyLoad),
    latencySamples,
    cpuWindowMs: opt.quick ? 2000 : 5000,
    rules: ruleSet,
  });
}

/** Drive `url` from `generators` × `connections` devices for ms. */
const startLoadOn = (url: string, totalRate: number, ms: number, prefix: string) =>
  startLoad({ urls: [url], generators, connections, rate: totalRate, ms, prefix });
/** The same, and wait for the generators to finish. */
const load = async (url: string, totalRate: number, ms: number, prefix: string) => (await startLoadOn(url, totalRate, ms, prefix)).done;

async function aedesBaseline(mode: 'inproc' | 'relay') {
  const broker = worker('baseline-broker.ts');
  const { port } = await broker.next<{ port: number }>('ready');
  const url = `mqtt://127.0.0.1:${port}`;
  const sub = mode === 'relay' ? worker('subscriber.ts', url) : undefined;
  if (sub) await sub.next('ready');
  const r = await load(url, 0, durationMs, `base-${mode}-`);
  const read = async () =>
    mode === 'relay' ? (await sub!.ask<{ count: number }>('count')).count : (await broker.ask<{ count: number }>('count')).count;
  const s = await settle(read, 30_000);
  await sub?.stop();
  await broker.stop();
  return (s.value / Math.max(r.elapsedMs, s.at - r.t0)) * 1000;
}

/** Run the probe `measure` while a generator offers the latency load to `url` (warmed up 1.5 s first). */
async function underLatencyLoad(url: string, prefix: string, measure: () => Promise<number[]>) {
  const bg = await startLoadOn(url, latencyLoad, 300_000, prefix);
  await new Promise((r) => setTimeout(r, 1500));
  try {
    return { latencies: await measure(), bg };
  } finally {
    bg.stop();
  }
}

/** The alert probe's MQTT hop alone: plain aedes relaying it under the same background load. */
async function aedesRelayLatency() {
  const broker = worker('baseline-broker.ts');
  const { port } = await broker.next<{ port: number }>('ready');
  const url = `mqtt://127.0.0.1:${port}`;
  const { latencies, bg } = await underLatencyLoad(url, 'base-lat-', () => measureRelayLatency(url, latencySamples, 120_000));
  await bg.done;
  await broker.stop();
  return { p50: Number(percentile(latencies, 50).toFixed(2)), p99: Number(percentile(latencies, 99).toFixed(2)), n: latencies.length };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function mosquittoBaseline(): Promise<number | undefined> {
  let bin: string;
  try {
    bin = execFileSync('sh', ['-c', 'command -v mosquitto || ls /usr/sbin/mosquitto'], { encoding: 'utf8' }).trim().split('\n')[0]!;
  } catch {
    return undefined;
  }
  const port = await freePort();
  const conf = join(mkdtempSync(join(tmpdir(), 'bench-mosq-')), 'm.conf');
  writeFileSync(conf, `listener ${port} 127.0.0.1\nallow_anonymous true\nset_tcp_nodelay true\npersistence false\n`);
  const proc = spawn(bin, ['-c', conf], { stdio: 'ignore' });
  await new Promise((r) => setTimeout(r, 500));
  const url = `mqtt://127.0.0.1:${port}`;
  const sub = worker('subscriber.ts', url);
  await sub.next('ready');
  const r = await load(url, 0, durationMs, 'base-mosq-');
  const s = await settle(async () => (await sub.ask<{ count: number }>('count')).count, 30_000);
  await sub.stop();
  proc.kill('SIGTERM');
  return (s.value / Math.max(r.elapsedMs, s.at - r.t0)) * 1000;
}

const stored = (m: Record<string, number>) => m['citysense_telemetry_written_total{what="reading"}'] ?? 0;
/** Publishes refused by the broker or ingest (rate limits, overload, bad payloads), all reasons. */
/** Detections raised and cleared by all rules: each one is incident and alert-log writes on the alert path. */
const detections = (m: Record<string, number>) =>
  Object.entries(m).reduce((a, [k, v]) => (k.startsWith('citysense_detections_total') ? a + v : a), 0);
const refused = (m: Record<string, number>) =>
  Object.entries(m).reduce((a, [k, v]) => (k.startsWith('citysense_readings_refused_total') ? a + v : a), 0);

async function pipeline() {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-data-'));
  const svc = await startService({ CITYSENSE_DATA_DIR: dataDir, CITYSENSE_RULES: ruleSet.path, CITYSENSE_FLOWS: '0' });
  const rssStart = rssMb(svc.proc.pid!);
  const beforeMetrics = await scrape(svc.http);
  const before = stored(beforeMetrics);
  const rssSamples: number[] = [];
  const sampler = setInterval(() => {
    rssSamples.push(rssMb(svc.proc.pid!));
    // Long runs show the trend: memory must stay flat under sustained load.
    if (rssSamples.length % 30 === 0) log(`RSS after ${rssSamples.length} s: ${fmt(rssSamples[rssSamples.length - 1])} MiB`);
  }, 1000);
  // CPU per reading is the figure least moved by what else runs on the machine: two cores shared
  // by generator, kernel and service make readings/s swing between runs.
  const cpuBefore = cpuMs(svc.proc.pid!);
  const r = await load(svc.mqtt, rate, durationMs, 'pipe-');
  const s = await settle(async () => stored(await scrape(svc.http)), 60_000);
  const cpuPipeline = cpuMs(svc.proc.pid!) - cpuBefore;
  clearInterval(sampler);
  const metrics = await scrape(svc.http);
  const storedN = s.value - before;
  const pipelineMs = Math.max(r.elapsedMs, s.at - r.t0);
  const readingsPerSec = (storedN / pipelineMs) * 1000;
  const detectionsPerSec = ((detections(metrics) - detections(beforeMetrics)) / pipelineMs) * 1000;
  log(`pipeline: ${fmt(readingsPerSec)} readings/s (${fmt(storedN)} of ${fmt(r.sent)} stored)`);

  // A publish's write callback can trail its arrival (mqtt.js calls back on 'drain'): only a
  // loss is worth a word, and then whether the generator or the service lost it.
  if (storedN < r.sent)
    log(
      `WARNING: lost ${fmt(r.sent - storedN)}; ${fmt(r.sent - r.written)} of them never confirmed written to a socket (${fmt(r.failed)} failed)`,
    );

  log(`latency: ${latencySamples} probes under ${latencyLoad} readings/s background load`);
  const storedBeforeLatency = stored(await scrape(svc.http));
  const cpuBeforeLatency = cpuMs(svc.proc.pid!);
  const { latencies, bg } = await underLatencyLoad(svc.mqtt, 'lat-', () =>
    measureAlertLatency(svc.mqtt, svc.ws, svc.token, latencySamples, 120_000),
  );
  // The service's own share of that latency (ingest → alert sent on /ws), by its /metrics summary.
  const path = await scrape(svc.http);
  const pathMs = (q: string) => Number(((path[`citysense_alert_path_seconds{quantile="${q}"}`] ?? NaN) * 1000).toFixed(2));
  const alertPath = { p50: pathMs('0.5'), p99: pathMs('0.99'), n: path['citysense_alert_path_seconds_count'] ?? 0 };
  const bgDone = await bg.done;
  const bgOffered = (bgDone.sent / bgDone.elapsedMs) * 1000;
  // What the service kept up with: a latency figure means little if the load queued up instead.
  const bgStored = await settle(async () => stored(await scrape(svc.http)), 60_000);
  const bgBacklogS = Math.max(0, (bgStored.at - bgDone.t0 - bgDone.elapsedMs) / 1000);
  const bgLost = bgDone.sent + latencies.length - (bgStored.value - storedBeforeLatency);
  const cpuLatency = cpuMs(svc.proc.pid!) - cpuBeforeLatency;
  const cpuUsPerReading = {
    max: (cpuPipeline * 1000) / Math.max(1, storedN),
    fixed: (cpuLatency * 1000) / Math.max(1, bgStored.value - storedBeforeLatency),
  };
  log(
    `background load during latency: ${fmt(bgOffered)} readings/s offered, stored within ${bgBacklogS.toFixed(1)} s of the end, lost ${fmt(bgLost)}`,
  );
  const rssEnd = rssMb(svc.proc.pid!);
  await svc.stop();
  rmSync(dataDir, { recursive: true, force: true }); // a max-rate run stores hundreds of MB
  return {
    sent: r.sent,
    written: r.written,
    storedN,
    refused: refused(metrics),
    readingsPerSec,
    detectionsPerSec,
    metrics,
    latencies,
    alertPath,
    bgOffered,
    bgBacklogS,
    bgLost,
    rssStart,
    rssEnd,
    rssMax: Math.max(...rssSamples, rssEnd),
    cpuUsPerReading,
  };
}

async function main() {
  log(
    `duration ${durationMs / 1000} s, ${generators} generator(s) × ${connections} connections (one device each), rate ${rate || 'max'}, rules ${ruleSet.path}`,
  );
  const inproc = opt['skip-baselines'] ? undefined : await aedesBaseline('inproc');
  if (inproc) log(`aedes in-process handler: ${fmt(inproc)} msg/s`);
  const relay = opt['skip-baselines'] ? undefined : await aedesBaseline('relay');
  if (relay) log(`aedes relay: ${fmt(relay)} msg/s`);
  const mosq = opt['skip-baselines'] ? undefined : await mosquittoBaseline();
  if (mosq) log(`mosquitto relay: ${fmt(mosq)} msg/s`);
  const relayLat = opt['skip-baselines'] ? undefined : await aedesRelayLatency();
  if (relayLat) log(`aedes relay latency at ${fmt(latencyLoad)} msg/s: p50 ${relayLat.p50} / p99 ${relayLat.p99} ms`);
  const p = await pipeline();
  const result = {
    crashed: crashes.length > 0,
    readingsPerSec: Math.round(p.readingsPerSec),
    published: p.sent,
    writtenToSocket: p.written,
    stored: p.storedN,
    lost: p.sent - p.storedN,
    refused: p.refused,
    detectionsPerSec: Math.round(p.detectionsPerSec),
    alertP50Ms: Number(percentile(p.latencies, 50).toFixed(2)),
    alertP99Ms: Number(percentile(p.latencies, 99).toFixed(2)),
    latencySamples: p.latencies.length,
    alertPathP50Ms: p.alertPath.p50,
    alertPathP99Ms: p.alertPath.p99,
    latencyLoadPerSec: latencyLoad,
    latencyLoadOfferedPerSec: Math.round(p.bgOffered),
    latencyLoadBacklogS: Number(p.bgBacklogS.toFixed(1)),
    latencyLoadLost: p.bgLost,
    rssMb: Math.round(p.rssEnd),
    rssStartMb: Math.round(p.rssStart),
    rssMaxMb: Math.round(p.rssMax),
    serviceCpuUsPerReading: Number(p.cpuUsPerReading.max.toFixed(1)),
    serviceCpuUsPerReadingAtLatencyLoad: Number(p.cpuUsPerReading.fixed.toFixed(1)),
    aedesInprocPerSec: inproc && Math.round(inproc),
    aedesRelayPerSec: relay && Math.round(relay),
    aedesRelayP50Ms: relayLat?.p50,
    aedesRelayP99Ms: relayLat?.p99,
    mosquittoRelayPerSec: mosq && Math.round(mosq),
    ratioToAedesInproc: inproc ? Number((p.readingsPerSec / inproc).toFixed(3)) : undefined,
    rules: opt.rules,
    ruleCount: ruleSet.count,
    durationS: durationMs / 1000,
    connections: connections * generators,
  };
  console.log('');
  console.log('| measure | value |');
  console.log('|---|---|');
  console.log(`| full pipeline (parsed, enriched, ${ruleSet.count} rules, stored) | ${fmt(result.readingsPerSec)} readings/s |`);
  console.log(`| detections (raise and clear, all rules) during it | ${fmt(result.detectionsPerSec)} /s |`);
  console.log(
    `| published / stored / lost (refused) | ${fmt(result.published)} / ${fmt(result.stored)} / ${fmt(result.lost)} (${fmt(result.refused)}) |`,
  );
  console.log(`| aedes, in-process handler doing nothing | ${fmt(result.aedesInprocPerSec)} msg/s |`);
  console.log(`| aedes relay to an external subscriber | ${fmt(result.aedesRelayPerSec)} msg/s |`);
  console.log(`| mosquitto relay | ${result.mosquittoRelayPerSec ? `${fmt(result.mosquittoRelayPerSec)} msg/s` : 'not installed'} |`);
  console.log(`| pipeline / aedes in-process | ${result.ratioToAedesInproc ?? '—'} |`);
  console.log(
    `| alert p50 / p99 at ${fmt(latencyLoad)} readings/s | ${result.alertP50Ms} / ${result.alertP99Ms} ms (${result.latencySamples} samples) |`,
  );
  console.log(
    `| of which in the service (ingest → sent on /ws), p50 / p99 | ${result.alertPathP50Ms} / ${result.alertPathP99Ms} ms (last ${fmt(Math.min(4096, p.alertPath.n))} alerts) |`,
  );
  console.log(
    `| plain aedes relaying the same probe (MQTT → MQTT) at ${fmt(latencyLoad)} msg/s, p50 / p99 | ${relayLat ? `${relayLat.p50} / ${relayLat.p99} ms (${relayLat.n} samples)` : '—'} |`,
  );
  console.log(
    `| that load: offered / left queued at its end / lost | ${fmt(result.latencyLoadOfferedPerSec)} readings/s / ${result.latencyLoadBacklogS} s / ${fmt(result.latencyLoadLost)} |`,
  );
  console.log(
    `| service CPU per reading at max rate / at ${fmt(latencyLoad)} readings/s | ${result.serviceCpuUsPerReading} / ${result.serviceCpuUsPerReadingAtLatencyLoad} µs |`,
  );
  console.log(`| service RSS start / max / end | ${fmt(p.rssStart)} / ${fmt(p.rssMax)} / ${fmt(p.rssEnd)} MiB |`);
  if (crashes.length) {
    console.log(`\nCRASHED: ${crashes.join('; ')} — no figures are reported from this run.`);
    console.log(`RESULT ${JSON.stringify({ crashed: true, crashes })}`);
    process.exit(1);
  }
  console.log(`RESULT ${JSON.stringify(result)}`);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  console.log(`RESULT ${JSON.stringify({ crashed: crashes.length > 0, crashes, error: String(err) })}`);
  process.exit(1);
});
