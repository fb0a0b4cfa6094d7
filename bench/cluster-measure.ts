// One setup of `npm run bench -- --cluster N` measured (bench/cluster.ts): QoS 1 readings at the
// maximum rate from devices spread over every MQTT port, stored and acknowledged, with each
// process's CPU; then CPU at a fixed background load, and the alert probe under it.
import { measureAlertLatency, percentile } from './latency.js';
import { fmt, log, settle, startLoad, type LoadOptions } from './load.js';
import type { NodeBooks, Setup } from './cluster-setups.js';

/** Unacknowledged QoS 1 publishes a device keeps in flight, as a gateway that pipelines does. */
const WINDOW = 100;

/** What `npm run bench -- --cluster N` was asked for (bench/run.ts). */
export interface ClusterBenchOptions {
  nodes: number;
  durationMs: number;
  /** Publishes at most in the throughput phase. */
  readings: number;
  generators: number;
  /** Devices per generator. */
  connections: number;
  /** Throughput phase: publishes/s offered, 0 = as fast as PUBACKs come. */
  rate: number;
  latencyLoad: number;
  latencySamples: number;
  /** How long CPU is measured at the latency load before the probes start. */
  cpuWindowMs: number;
  rules: { path: string; count: number };
}

/** CPU µs per reading of each process between two `Setup.cpu()` readings, and their sum. */
function cpuPerReading(before: Record<string, number>, after: Record<string, number>, readings: number) {
  const out: Record<string, number> = {};
  for (const k of Object.keys(after)) out[k] = round(((after[k]! - (before[k] ?? 0)) * 1000) / Math.max(1, readings), 1);
  out.total = round(
    Object.values(out).reduce((a, b) => a + b, 0),
    1,
  );
  return out;
}

/** `n` rounded to `d` decimals, as a number. */
export const round = (n: number, d = 0) => Number(n.toFixed(d));

/** Cores each process kept busy over `ms`, and their sum. */
function cores(before: Record<string, number>, after: Record<string, number>, ms: number) {
  const out: Record<string, number> = {};
  for (const k of Object.keys(after)) out[k] = round((after[k]! - (before[k] ?? 0)) / ms, 2);
  out.total = round(
    Object.values(out).reduce((a, b) => a + b, 0),
    2,
  );
  return out;
}

/** Partitions whose lease epoch differs between two `Setup.epochs()`: moved, or dropped and taken again. */
const moved = (before: Record<string, number>, after: Record<string, number>) =>
  Object.keys({ ...before, ...after }).filter((k) => before[k] !== after[k]).length;

/** Both phases on one setup: QoS 1 at the maximum rate, then the alert probe under a fixed load. */
export async function measure(setup: Setup, o: ClusterBenchOptions) {
  const load = (prefix: string, rate: number, ms: number, limit?: number): LoadOptions => ({
    urls: setup.mqttUrls,
    generators: o.generators,
    connections: o.connections,
    rate,
    ms,
    prefix,
    qos: 1,
    window: WINDOW,
    stamp: true,
    ...(limit !== undefined ? { limit } : {}),
  });
  const booksBefore = await setup.nodes();
  const epochs0 = await setup.epochs();
  const [written0, stored0] = [await setup.written(), await setup.stored()];
  const cpu0 = setup.cpu();
  log(`${setup.name}: QoS 1 load from ${o.connections * o.generators} devices over ${setup.mqttUrls.length} MQTT port(s)`);
  const r = await (await startLoad(load(`${setup.name[0]}t-`, o.rate, o.durationMs, o.readings))).done;
  // A cluster's writes can pause for seconds while a partition changes hands: the wait goes on
  // until every acknowledged reading is stored, or the bound.
  const s = await settle(
    () => setup.written(),
    120_000,
    async () => (await setup.stored()) - stored0 >= r.written,
  );
  const cpu1 = setup.cpu();
  const storedN = (await setup.stored()) - stored0;
  const storeMs = Math.max(r.elapsedMs, s.at - r.t0);
  const nodes = perNode(booksBefore, await setup.nodes());
  const throughput = {
    published: r.sent,
    acked: r.written,
    stored: storedN,
    // More than stored: readings of a partition read again after it changed hands.
    writtenByOwners: s.value - written0,
    // Acknowledged yet not stored: a broken PUBACK promise.
    ackedNotStored: Math.max(0, r.written - storedN),
    ackedPerSec: Math.round((r.written / Math.max(1, r.lastWrittenMs)) * 1000),
    storedPerSec: Math.round((storedN / storeMs) * 1000),
    telemetryDropped: nodes.reduce((a, n) => a + n.dropped, 0),
    detectionsPerSec: Math.round((nodes.reduce((a, n) => a + n.detections, 0) / storeMs) * 1000),
    storedAfterLoadS: round(Math.max(0, (s.at - r.t0 - r.elapsedMs) / 1000), 1),
    partitionsMoved: moved(epochs0, await setup.epochs()),
    cpuUsPerReading: cpuPerReading(cpu0, cpu1, storedN),
    nodes,
  };
  if (throughput.ackedNotStored > 0)
    log(`WARNING: ${setup.name}: ${fmt(throughput.ackedNotStored)} acknowledged readings are not in the store`);
  if (throughput.partitionsMoved > 0) log(`WARNING: ${setup.name}: ${throughput.partitionsMoved} partition(s) changed hands under load`);
  log(
    `${setup.name}: ${fmt(throughput.ackedPerSec)} acknowledged/s, ${fmt(throughput.storedPerSec)} stored/s (${fmt(storedN)} stored of ${fmt(r.written)} acknowledged, ${fmt(r.sent)} published)`,
  );

  log(`${setup.name}: latency, ${o.latencySamples} probes (${setup.probe.path}) under ${fmt(o.latencyLoad)} readings/s`);
  const epochs1 = await setup.epochs();
  const [written1, stored1] = [await setup.written(), await setup.stored()];
  const bg = await startLoad(load(`${setup.name[0]}l-`, o.latencyLoad, 300_000));
  await new Promise((res) => setTimeout(res, 1500));
  // CPU at this fixed rate, before any probe: the readings' own cost, without the alerts'.
  const [cpu2, writtenAt2, t2] = [setup.cpu(), await setup.written(), performance.now()];
  await new Promise((res) => setTimeout(res, o.cpuWindowMs));
  const [cpu3, writtenAt3, t3] = [setup.cpu(), await setup.written(), performance.now()];
  // A probe whose alert never comes ends the probing, not the run: what was measured is still reported.
  let latencies: number[] = [];
  let probeError: string | undefined;
  try {
    latencies = await measureAlertLatency(setup.probe.mqtt, setup.probe.ws, setup.token, o.latencySamples, 120_000);
  } catch (err) {
    probeError = String(err);
    log(`${setup.name}: ${probeError}`);
  } finally {
    bg.stop();
  }
  const bgDone = await bg.done;
  const bgWritten = await settle(
    () => setup.written(),
    120_000,
    async () => (await setup.stored()) - stored1 >= bgDone.written,
  );
  const bgN = (await setup.stored()) - stored1;
  // The owner's share: a reading handed to its rules (read off the log in cluster mode) → the alert sent on its /ws.
  const m = await setup.probe.ownerMetrics();
  const pathMs = (q: string) => round((m[`citysense_alert_path_seconds{quantile="${q}"}`] ?? NaN) * 1000, 2);
  const pct = (p: number) => round(percentile(latencies, p), 2);
  const latency = {
    samples: latencies.length,
    ...(probeError !== undefined ? { probeError } : {}),
    p50: pct(50),
    p95: pct(95),
    p99: pct(99),
    ownerPathP50: pathMs('0.5'),
    ownerPathP99: pathMs('0.99'),
    ownerPathCount: m['citysense_alert_path_seconds_count'] ?? 0,
    path: setup.probe.path,
    loadOfferedPerSec: Math.round((bgDone.sent / bgDone.elapsedMs) * 1000),
    loadAcked: bgDone.written,
    loadStoredAfterS: round(Math.max(0, (bgWritten.at - bgDone.t0 - bgDone.elapsedMs) / 1000), 1),
    loadLost: bgDone.sent + latencies.length - bgN,
    loadWrittenByOwners: bgWritten.value - written1,
    partitionsMoved: moved(epochs1, await setup.epochs()),
    cpuUsPerReading: cpuPerReading(cpu2, cpu3, writtenAt3 - writtenAt2),
    cores: cores(cpu2, cpu3, t3 - t2),
  };
  const lag = await setup.lag();
  return { throughput, latency, lagAtEnd: lag, logged: setup.logged() };
}

function perNode(before: NodeBooks[], after: NodeBooks[]) {
  return after.map((a, i) => ({
    name: a.name,
    accepted: a.accepted - before[i]!.accepted,
    written: a.written - before[i]!.written,
    detections: a.detections - before[i]!.detections,
    dropped: a.dropped - before[i]!.dropped,
  }));
}

export type Measured = Awaited<ReturnType<typeof measure>>;
