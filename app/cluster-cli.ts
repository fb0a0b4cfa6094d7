// `citysense cluster status`: the nodes and the leases as the shared PostgreSQL holds them.
import pg from 'pg';
import { parseArgs } from 'node:util';
import { readClusterStatus, type ClusterStatus } from '../cluster/index.js';

export const CLUSTER_HELP = `citysense cluster status — the nodes of a cluster and who owns each partition

Usage: citysense cluster status [--database-url postgres://…] [--json]

The database defaults to CITYSENSE_DATABASE_URL (docs/cluster.md).`;

type Out = { log: (s: string) => void; error: (s: string) => void };

const ago = (now: number, t: number) => `${((now - t) / 1000).toFixed(1)} s ago`;

/** The status as text: a line per node, then the leases grouped by owner. */
export function formatClusterStatus(s: ClusterStatus, now = Date.now()): string {
  const lines = ['nodes:'];
  for (const n of s.nodes) {
    const owned = s.leases.filter((l) => l.owner === n.nodeId && l.expiresAt > now).map((l) => l.name);
    lines.push(`  ${n.nodeId.padEnd(24)} ${n.alive ? 'alive' : 'gone '}  seen ${ago(now, n.seenAt).padEnd(12)} ${owned.length} leases`);
  }
  if (s.nodes.length === 0) lines.push('  (none)');
  lines.push('leases:');
  const free = s.leases.filter((l) => !l.owner || l.expiresAt <= now).map((l) => l.name);
  const owners = [...new Set(s.leases.filter((l) => l.owner && l.expiresAt > now).map((l) => l.owner!))].sort();
  for (const o of owners) {
    const held = s.leases.filter((l) => l.owner === o && l.expiresAt > now);
    lines.push(`  ${o.padEnd(24)} ${held.map((l) => `${l.name}@${l.epoch}`).join(' ')}`);
  }
  lines.push(`  ${'(unowned)'.padEnd(24)} ${free.length ? free.join(' ') : '-'}`);
  return lines.join('\n');
}

export async function clusterCommand(args: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { 'database-url': { type: 'string' }, json: { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
  });
  if (values.help || positionals[0] !== 'status') {
    out.log(CLUSTER_HELP);
    return values.help ? 0 : 1;
  }
  const url = values['database-url'] ?? process.env.CITYSENSE_DATABASE_URL;
  if (!url || !/^postgres(ql)?:\/\//.test(url)) {
    out.error('CITYSENSE_DATABASE_URL (or --database-url) must name the cluster’s PostgreSQL: postgres://user@host:5432/database');
    return 1;
  }
  const pool = new pg.Pool({ connectionString: url, max: 1, connectionTimeoutMillis: 5000 });
  try {
    const status = await readClusterStatus(pool);
    out.log(values.json ? JSON.stringify(status, null, 2) : formatClusterStatus(status));
    return 0;
  } finally {
    await pool.end();
  }
}
