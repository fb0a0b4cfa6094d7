// `npm run bench -- --cluster N`: cluster mode beside single-node mode, on this box, in one run.
// Both get the same devices publishing QoS 1 (a PUBACK: single-node, after the SQLite commit;
// cluster, after JetStream's ack), spread over every node's MQTT port, bounded in time and
// count; then the same alert probe under the same fixed background load, in on one node and
// out on the /ws of another. Prints a table and a final `RESULT {json}` line.
import { clusterServersMissing } from '../harness/index.js';
import { clusterOf, singleNode, type Setup } from './cluster-setups.js';
import { measure, round, type ClusterBenchOptions, type Measured } from './cluster-measure.js';
import { printTable } from './cluster-table.js';
import { fmt, log } from './load.js';
import { crashes } from './procs.js';

/** What `--cluster` changes of the bench's defaults: a bounded count, and a load three nodes on two cores keep up with. */
export const CLUSTER_DEFAULTS = { readings: 400_000, quickReadings: 60_000, latencyLoad: 2_000 };

/** The `--cluster` part of the bench's `--help`. */
export const CLUSTER_HELP = `  --cluster N measures N cluster nodes (nats-server and PostgreSQL started on this box) beside one
    node, both at QoS 1 with the devices spread over every node's MQTT port, for --duration or
    --readings publishes (default ${fmt(CLUSTER_DEFAULTS.readings)}, --quick ${fmt(CLUSTER_DEFAULTS.quickReadings)}), whichever ends first; the probe
    goes in on one node and its alert comes out on another's /ws (--latency-load default ${fmt(CLUSTER_DEFAULTS.latencyLoad)}).`;

async function run(make: () => Promise<Setup>, o: ClusterBenchOptions): Promise<Measured> {
  const setup = await make();
  try {
    return await measure(setup, o);
  } finally {
    await setup.stop();
  }
}

/** Run both setups one after the other, print the comparison, and exit. */
export async function runClusterBench(o: ClusterBenchOptions): Promise<never> {
  log(
    `cluster bench: ${o.nodes} nodes against one; ${o.durationMs / 1000} s or ${fmt(o.readings)} readings at QoS 1, ${o.generators} generator(s) × ${o.connections} devices, rate ${o.rate || 'max'}, rules ${o.rules.path} (${o.rules.count})`,
  );
  const missing = clusterServersMissing();
  if (missing) {
    console.error(`--cluster needs nats-server and PostgreSQL on this box: ${missing}`);
    process.exit(2);
  }
  try {
    const single = await run(() => singleNode(o.rules.path), o);
    const cluster = await run(() => clusterOf(o.nodes, o.rules.path), o);
    printTable(o, single, cluster);
    const result = {
      crashed: crashes.length > 0,
      nodes: o.nodes,
      single,
      cluster,
      logCost: {
        alertP50Ms: round(cluster.latency.p50 - single.latency.p50, 2),
        alertP99Ms: round(cluster.latency.p99 - single.latency.p99, 2),
        cpuUsPerReadingAtMaxRate: round(cluster.throughput.cpuUsPerReading.total! - single.throughput.cpuUsPerReading.total!, 1),
        cpuUsPerReadingAtLatencyLoad: round(cluster.latency.cpuUsPerReading.total! - single.latency.cpuUsPerReading.total!, 1),
      },
      durationS: o.durationMs / 1000,
      readingsBound: o.readings,
      devices: o.connections * o.generators,
      ruleCount: o.rules.count,
    };
    if (crashes.length) {
      console.log(`\nCRASHED: ${crashes.join('; ')} — no figures are reported from this run.`);
      console.log(`RESULT ${JSON.stringify({ crashed: true, crashes })}`);
      process.exit(1);
    }
    console.log(`RESULT ${JSON.stringify(result)}`);
    process.exit(0);
  } catch (err) {
    console.error(err);
    console.log(`RESULT ${JSON.stringify({ crashed: crashes.length > 0, crashes, error: String(err) })}`);
    process.exit(1);
  }
}
