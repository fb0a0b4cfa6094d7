// The statements behind the partition leases. Every time is PostgreSQL's own now(), so the
// nodes' clocks never have to agree; an epoch grows by one with every acquisition, which is
// what fences a former owner out of the checkpoints.
import type pg from 'pg';
import { z } from 'zod';
import { int8 } from './schema.js';

/** What `status()` shows: every node's heartbeat and every lease of the manager's names. */
export const ClusterStatus = z.object({
  nodes: z.array(z.object({ nodeId: z.string(), seenAt: z.number(), alive: z.boolean(), info: z.unknown() })),
  leases: z.array(z.object({ name: z.string(), owner: z.string().optional(), epoch: z.number().int(), expiresAt: z.number() })),
});
export type ClusterStatus = z.infer<typeof ClusterStatus>;

export interface HeldLease {
  name: string;
  epoch: number;
}

const ms = (v: string | number) => Number(v);
const leasesOf = (rows: Array<{ name: string; epoch: string }>): HeldLease[] => rows.map((r) => ({ name: r.name, epoch: int8(r.epoch) }));

export function leaseSql(pool: pg.Pool, nodeId: string, ttlMs: number) {
  return {
    /** Make the rows of names no node has held yet: free, epoch 0. */
    async seed(names: readonly string[]): Promise<void> {
      await pool.query(
        `INSERT INTO cluster_leases (name, owner, epoch, expires_at)
         SELECT n, NULL, 0, now() FROM unnest($1::text[]) AS n ON CONFLICT (name) DO NOTHING`,
        [names],
      );
    },

    async heartbeat(info: object): Promise<void> {
      await pool.query(
        `INSERT INTO cluster_nodes (node_id, seen_at, info) VALUES ($1, now(), $2)
         ON CONFLICT (node_id) DO UPDATE SET seen_at = now(), info = excluded.info`,
        [nodeId, JSON.stringify(info)],
      );
    },

    /** Nodes seen within the TTL, this one included. */
    async liveNodes(): Promise<number> {
      const r = await pool.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM cluster_nodes WHERE seen_at > now() - $1::int * interval '1 millisecond'`,
        [ttlMs],
      );
      return r.rows[0]?.n ?? 0;
    },

    /** Extend the unexpired leases still ours at these epochs; returns those extended. */
    async renew(held: readonly HeldLease[]): Promise<HeldLease[]> {
      if (held.length === 0) return [];
      const r = await pool.query<{ name: string; epoch: string }>(
        `UPDATE cluster_leases SET expires_at = now() + $2::int * interval '1 millisecond'
         WHERE owner = $1 AND expires_at > now()
           AND (name, epoch) IN (SELECT * FROM unnest($3::text[], $4::bigint[]))
         RETURNING name, epoch`,
        [nodeId, ttlMs, held.map((h) => h.name), held.map((h) => h.epoch)],
      );
      return leasesOf(r.rows);
    },

    /**
     * Take up to `limit` of `candidates` that are free or expired, in the candidates' order, each
     * at a new epoch. SKIP LOCKED: nodes acquiring at the same moment take different names.
     */
    async acquire(candidates: readonly string[], limit: number): Promise<HeldLease[]> {
      if (candidates.length === 0 || limit <= 0) return [];
      const r = await pool.query<{ name: string; epoch: string }>(
        `UPDATE cluster_leases l SET owner = $1, epoch = l.epoch + 1, expires_at = now() + $2::int * interval '1 millisecond'
         WHERE l.name IN (
           SELECT name FROM cluster_leases
           WHERE name = ANY($3::text[]) AND (owner IS NULL OR expires_at <= now())
           ORDER BY array_position($3::text[], name)
           LIMIT $4
           FOR UPDATE SKIP LOCKED)
         RETURNING l.name, l.epoch`,
        [nodeId, ttlMs, candidates, limit],
      );
      return leasesOf(r.rows);
    },

    /** Give leases up at once (free, expired now), each only if still ours at that epoch. */
    async release(leases: readonly HeldLease[]): Promise<void> {
      if (leases.length === 0) return;
      await pool.query(
        `UPDATE cluster_leases SET owner = NULL, expires_at = now()
         WHERE owner = $1 AND (name, epoch) IN (SELECT * FROM unnest($2::text[], $3::bigint[]))`,
        [nodeId, leases.map((h) => h.name), leases.map((h) => h.epoch)],
      );
    },

    /**
     * Free leases of `names` that the table gives this node but it does not hold: left by a
     * previous process with the same node id, or renewed by a round that ended after a fence.
     */
    async releaseStray(names: readonly string[], held: readonly string[]): Promise<string[]> {
      const r = await pool.query<{ name: string }>(
        `UPDATE cluster_leases SET owner = NULL, expires_at = now()
         WHERE owner = $1 AND name = ANY($2::text[]) AND NOT (name = ANY($3::text[]))
         RETURNING name`,
        [nodeId, names, held],
      );
      return r.rows.map((x) => x.name);
    },

    /** Forget nodes not seen for a day: with `host-pid` ids every restart is a new node. */
    async prune(): Promise<void> {
      await pool.query(`DELETE FROM cluster_nodes WHERE seen_at < now() - interval '1 day'`);
    },

    async leave(): Promise<void> {
      await pool.query('DELETE FROM cluster_nodes WHERE node_id = $1', [nodeId]);
    },

    async status(names: readonly string[]): Promise<ClusterStatus> {
      const nodes = await pool.query<{ node_id: string; seen_at: number; alive: boolean; info: unknown }>(
        `SELECT node_id, (extract(epoch FROM seen_at) * 1000)::float8 AS seen_at,
                seen_at > now() - $1::int * interval '1 millisecond' AS alive, info
         FROM cluster_nodes ORDER BY node_id`,
        [ttlMs],
      );
      const leases = await pool.query<{ name: string; owner: string | null; epoch: string; expires_at: number }>(
        `SELECT name, owner, epoch, (extract(epoch FROM expires_at) * 1000)::float8 AS expires_at
         FROM cluster_leases WHERE name = ANY($1::text[]) ORDER BY name`,
        [names],
      );
      return {
        nodes: nodes.rows.map((n) => ({ nodeId: n.node_id, seenAt: ms(n.seen_at), alive: n.alive, info: n.info })),
        leases: leases.rows.map((l) => ({
          name: l.name,
          ...(l.owner !== null ? { owner: l.owner } : {}),
          epoch: int8(l.epoch),
          expiresAt: ms(l.expires_at),
        })),
      };
    },
  };
}
export type LeaseSql = ReturnType<typeof leaseSql>;

/**
 * The fencing check, inside the caller's transaction: lock the lease row (FOR UPDATE, so no
 * acquisition can commit past it until the caller's transaction ends) and answer whether it is
 * still `nodeId`'s at `epoch` and unexpired. clock_timestamp(): now() is the transaction's start.
 */
export async function holdsLease(client: pg.PoolClient, name: string, nodeId: string, epoch: number): Promise<boolean> {
  const r = await client.query<{ held: boolean }>(
    `SELECT owner = $2 AND epoch = $3 AND expires_at > clock_timestamp() AS held
     FROM cluster_leases WHERE name = $1 FOR UPDATE`,
    [name, nodeId, epoch],
  );
  return r.rows[0]?.held === true;
}
