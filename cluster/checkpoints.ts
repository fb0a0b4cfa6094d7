// Per partition, the rule state and the stream position it reflects, saved together in one
// transaction, so a node that takes the partition over resumes exactly where the state was
// saved (DESIGN.md § Beyond one machine). A save is fenced: it first checks, with the lease row
// locked, that the saver still holds the partition's lease at its epoch, and changes nothing if not.
import type pg from 'pg';
import type { Logger } from 'pino';
import { RuleStateEntry } from '../rules/index.js';
import { holdsLease } from './lease-sql.js';
import { ensureClusterSchema, inTransaction, int8 } from './schema.js';

export interface Checkpoint {
  entries: RuleStateEntry[];
  /** The last stream sequence the entries reflect; 0: nothing yet, read from the start. */
  streamSeq: number;
}

export interface CheckpointSave {
  nodeId: string;
  /** The epoch of the lease the saver holds (from onAcquired). */
  epoch: number;
  /** Slots that changed since the last save: upserted. */
  entries: readonly RuleStateEntry[];
  streamSeq: number;
  /** When given, the partition's rows of every other rule hash are deleted (rules removed or changed). */
  liveRuleHashes?: readonly string[];
}

export interface Checkpoints {
  load(partition: string): Promise<Checkpoint>;
  /** True when saved; false when the saver no longer holds the lease at that epoch (nothing changed). */
  save(partition: string, checkpoint: CheckpointSave): Promise<boolean>;
}

/** The rule state store of cluster mode, on the shared PostgreSQL. */
export function createCheckpoints(pool: pg.Pool, opts: { logger?: Logger } = {}): Checkpoints {
  const log = opts.logger?.child({ stage: 'cluster' });
  return {
    async load(partition) {
      await ensureClusterSchema(pool);
      let streamSeq = 0;
      let rows: Array<{ rule_hash: string; key: string; entry: unknown }> = [];
      // One snapshot: the position and the entries of the same save.
      await inTransaction(pool, async (c) => {
        await c.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
        const cp = await c.query<{ stream_seq: string }>('SELECT stream_seq FROM cluster_checkpoints WHERE partition = $1', [partition]);
        streamSeq = int8(cp.rows[0]?.stream_seq);
        rows = (
          await c.query<{ rule_hash: string; key: string; entry: unknown }>(
            'SELECT rule_hash, key, entry FROM cluster_rule_state WHERE partition = $1 ORDER BY rule_hash, key',
            [partition],
          )
        ).rows;
        return true;
      });
      const entries: RuleStateEntry[] = [];
      for (const r of rows) {
        const parsed = RuleStateEntry.safeParse(r.entry);
        if (parsed.success && parsed.data.ruleHash === r.rule_hash && parsed.data.key === r.key) entries.push(parsed.data);
        else log?.warn({ partition, ruleHash: r.rule_hash, key: r.key }, 'saved rule state is not a valid entry: dropped');
      }
      return { entries, streamSeq };
    },

    async save(partition, s) {
      await ensureClusterSchema(pool);
      // One row per rule and key: the last entry of a slot given twice wins.
      const slots = new Map<string, RuleStateEntry>();
      for (const e of s.entries) slots.set(JSON.stringify([e.ruleHash, e.key]), e);
      const entries = [...slots.values()];
      return inTransaction(pool, async (c) => {
        if (!(await holdsLease(c, partition, s.nodeId, s.epoch))) {
          log?.warn({ partition, nodeId: s.nodeId, epoch: s.epoch }, 'checkpoint refused: the lease is no longer held at this epoch');
          return false;
        }
        if (entries.length > 0) {
          await c.query(
            `INSERT INTO cluster_rule_state (partition, rule_hash, key, entry, saved_at)
             SELECT $1, h, k, e::jsonb, now() FROM unnest($2::text[], $3::text[], $4::text[]) AS t(h, k, e)
             ON CONFLICT (partition, rule_hash, key) DO UPDATE SET entry = excluded.entry, saved_at = excluded.saved_at`,
            [partition, entries.map((e) => e.ruleHash), entries.map((e) => e.key), entries.map((e) => JSON.stringify(e))],
          );
        }
        if (s.liveRuleHashes) {
          await c.query('DELETE FROM cluster_rule_state WHERE partition = $1 AND NOT (rule_hash = ANY($2::text[]))', [
            partition,
            s.liveRuleHashes,
          ]);
        }
        await c.query(
          `INSERT INTO cluster_checkpoints (partition, stream_seq, epoch, node_id, saved_at) VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (partition) DO UPDATE SET stream_seq = excluded.stream_seq, epoch = excluded.epoch,
             node_id = excluded.node_id, saved_at = excluded.saved_at`,
          [partition, s.streamSeq, s.epoch, s.nodeId],
        );
        return true;
      });
    },
  };
}
