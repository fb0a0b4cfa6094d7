// The cluster's tables in the shared PostgreSQL: the nodes' heartbeats, the partition leases,
// and per partition the rule state and the stream position it was saved at.
import type pg from 'pg';

export const CLUSTER_SCHEMA_SQL = `
  CREATE TABLE IF NOT EXISTS cluster_nodes (
    node_id  text PRIMARY KEY,
    seen_at  timestamptz NOT NULL,
    info     jsonb NOT NULL DEFAULT '{}'
  );
  CREATE TABLE IF NOT EXISTS cluster_leases (
    name       text PRIMARY KEY,
    owner      text,
    epoch      bigint NOT NULL DEFAULT 0,
    expires_at timestamptz NOT NULL DEFAULT now()
  );
  CREATE TABLE IF NOT EXISTS cluster_checkpoints (
    partition  text PRIMARY KEY,
    stream_seq bigint NOT NULL,
    epoch      bigint NOT NULL,
    node_id    text NOT NULL,
    saved_at   timestamptz NOT NULL
  );
  CREATE TABLE IF NOT EXISTS cluster_rule_state (
    partition text NOT NULL,
    rule_hash text NOT NULL,
    key       text NOT NULL,
    entry     jsonb NOT NULL,
    saved_at  timestamptz NOT NULL,
    PRIMARY KEY (partition, rule_hash, key)
  );
`;

/** Key of the transaction-scoped advisory lock that serialises schema creation ('csch' in ASCII). */
const SCHEMA_LOCK = 0x63736368;

const made = new WeakMap<pg.Pool, Promise<void>>();

/**
 * Create the cluster tables when missing. Nodes starting together would race in CREATE TABLE IF
 * NOT EXISTS (it can fail on the catalog's unique index), so the creation holds an advisory lock.
 * Once per pool; a failure is not remembered, so a later call tries again.
 */
export function ensureClusterSchema(pool: pg.Pool): Promise<void> {
  let p = made.get(pool);
  if (!p) {
    p = (async () => {
      await inTransaction(pool, async (client) => {
        await client.query('SELECT pg_advisory_xact_lock($1)', [SCHEMA_LOCK]);
        await client.query(CLUSTER_SCHEMA_SQL);
        return true;
      });
    })();
    made.set(pool, p);
    p.catch(() => made.delete(pool));
  }
  return p;
}

/** An int8 column as a number: epochs and stream sequences stay far below 2^53. */
export const int8 = (v: string | number | null | undefined): number => (v === null || v === undefined ? 0 : Number(v));

/**
 * Run `work` in a transaction on a client of its own: committed when it answers true, rolled
 * back when it answers false or throws. A client whose rollback failed is not put back in the pool.
 */
export async function inTransaction(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<boolean>): Promise<boolean> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const commit = await work(client);
    await client.query(commit ? 'COMMIT' : 'ROLLBACK');
    client.release();
    return commit;
  } catch (err) {
    const clean = await client.query('ROLLBACK').then(
      () => true,
      () => false,
    );
    client.release(!clean);
    throw err;
  }
}
