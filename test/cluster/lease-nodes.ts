// Lease managers for the cluster tests: each a node on the 33 partitions with a short TTL, with
// what it was told (acquired, lost) kept, on fresh databases of a test's PostgreSQL.
import pg from 'pg';
import { expect } from 'vitest';
import { ALL_LEASES, startLeaseManager, type LeaseManager, type LeaseManagerOptions } from '../../cluster/index.js';
import type { Postgres } from '../../harness/cluster-servers.js';
import { recordingLogger } from './helpers.js';

export const TTL = 2_000;
export const RENEW = 250;

export interface Node {
  id: string;
  manager: LeaseManager;
  acquired: Array<[string, number]>;
  lost: Array<[string, number]>;
  /** Stopped by the test: cleanup leaves it alone. */
  dead: boolean;
}

export function leaseNodes(postgres: () => Postgres, dbPrefix: string) {
  let dbCount = 0;
  const pools: pg.Pool[] = [];
  const nodes: Node[] = [];
  const { logger, lines } = recordingLogger();

  /** The URL of a new empty database. */
  const freshDatabase = () => postgres().createDatabase(`${dbPrefix}_${++dbCount}`);
  const freshPool = (url = freshDatabase()) => {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => undefined); // idle clients cut off by a test's proxy
    pools.push(pool);
    return pool;
  };

  const startNode = async (pool: pg.Pool, id: string, extra: Partial<LeaseManagerOptions> = {}): Promise<Node> => {
    const acquired: Array<[string, number]> = [];
    const lost: Array<[string, number]> = [];
    const manager = await startLeaseManager({
      pool,
      nodeId: id,
      names: ALL_LEASES,
      ttlMs: TTL,
      renewMs: RENEW,
      info: () => ({ http: `http://${id}:8080` }),
      onAcquired: (name, epoch) => void acquired.push([name, epoch]),
      onLost: (name, epoch) => void lost.push([name, epoch]),
      logger,
      ...extra,
    });
    const node = { id, manager, acquired, lost, dead: false };
    nodes.push(node);
    return node;
  };

  /** Every name held live by exactly one of `live`, and how many each holds; undefined while a name has no owner. */
  const shares = (live: readonly Node[]) => {
    const owners = new Map<string, string[]>();
    for (const n of live) for (const name of n.manager.owned().keys()) owners.set(name, [...(owners.get(name) ?? []), n.id]);
    for (const ids of owners.values()) expect(ids, 'a name with two live owners').toHaveLength(1);
    if (owners.size !== ALL_LEASES.length) return undefined;
    return live.map((n) => n.manager.owned().size);
  };

  /** Stop every node still running (as a death: nothing given back) and close every pool. */
  const cleanup = async () => {
    await Promise.all(nodes.splice(0).map((n) => (n.dead ? undefined : n.manager.stop({ release: false }))));
    await Promise.all(pools.splice(0).map((p) => p.end()));
  };

  return { freshDatabase, freshPool, startNode, shares, cleanup, logger, lines };
}
