// The table of `npm run bench -- --cluster N`: single node and cluster side by side, then the
// warnings and errors the services logged.
import { fmt } from './load.js';
import type { ClusterBenchOptions, Measured } from './cluster-measure.js';

/** Print the comparison as a Markdown table. */
export function printTable(o: ClusterBenchOptions, single: Measured, cluster: Measured) {
  const row = (what: string, f: (m: Measured) => string) => console.log(`| ${what} | ${f(single)} | ${f(cluster)} |`);
  const cpu = (c: Record<string, number>) =>
    Object.entries(c)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
  const t = (m: Measured) => m.throughput;
  const l = (m: Measured) => m.latency;
  console.log('');
  console.log(`| measure | single node | cluster of ${o.nodes} |`);
  console.log('|---|---|---|');
  row('QoS 1 readings/s acknowledged', (m) => fmt(t(m).ackedPerSec));
  row('readings/s stored', (m) => fmt(t(m).storedPerSec));
  row('published / acknowledged / stored / acknowledged but not stored', (m) =>
    [t(m).published, t(m).acked, t(m).stored, t(m).ackedNotStored].map((n) => fmt(n)).join(' / '),
  );
  row('telemetry rows dropped by the sink (buffer full, refused)', (m) => fmt(t(m).telemetryDropped));
  row('written by the partition owners (a reading read again is written again)', (m) => fmt(t(m).writtenByOwners));
  row('partitions that changed hands during the load / the latency phase', (m) => `${t(m).partitionsMoved} / ${l(m).partitionsMoved}`);
  row('detections (raise and clear) during the load', (m) => `${fmt(t(m).detectionsPerSec)} /s`);
  row('the store still growing after the load ended', (m) => `${t(m).storedAfterLoadS} s`);
  row('CPU µs per stored reading, at the maximum rate', (m) => cpu(t(m).cpuUsPerReading));
  row('per node: accepted on its MQTT / written as owner', (m) =>
    t(m)
      .nodes.map((n) => `${n.name} ${fmt(n.accepted)} / ${fmt(n.written)}`)
      .join('; '),
  );
  row(`alert p50 / p95 / p99 at ${fmt(o.latencyLoad)} readings/s`, (m) =>
    l(m).probeError ? `${l(m).probeError} (after ${l(m).samples} samples)` : `${l(m).p50} / ${l(m).p95} / ${l(m).p99} ms (${l(m).samples})`,
  );
  row("the probe's path", (m) => l(m).path);
  row("of which the owner's rules → sent on its /ws, p50 / p99", (m) =>
    l(m).ownerPathCount > 0 ? `${l(m).ownerPathP50} / ${l(m).ownerPathP99} ms` : 'not measured (no samples)',
  );
  row(
    'that load: offered / store growing after its end / lost',
    (m) => `${fmt(l(m).loadOfferedPerSec)}/s / ${l(m).loadStoredAfterS} s / ${fmt(l(m).loadLost)}`,
  );
  row(`CPU µs per stored reading at ${fmt(o.latencyLoad)} readings/s (before the probes)`, (m) => cpu(l(m).cpuUsPerReading));
  row(`cores busy at ${fmt(o.latencyLoad)} readings/s`, (m) => cpu(l(m).cores));
  row('log lag at the end (as last sampled by the owners)', (m) => fmt(m.lagAtEnd));
  row('warnings and errors logged', (m) =>
    Object.entries(m.logged)
      .map(([k, v]) => `${k} ${v.length}`)
      .join(', '),
  );
  for (const m of [single, cluster])
    for (const [node, lines] of Object.entries(m.logged))
      for (const [line, n] of counted(lines).slice(0, 5)) console.log(`  ${node}: ${n} × ${line}`);
}

/** Distinct lines, most frequent first. */
function counted(lines: string[]): Array<[string, number]> {
  const c = new Map<string, number>();
  for (const l of lines) c.set(l, (c.get(l) ?? 0) + 1);
  return [...c].sort((a, b) => b[1] - a[1]);
}
