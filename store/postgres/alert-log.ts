// AlertLog on PostgreSQL: one global seq for every node's /ws (DESIGN.md § Cluster mode). The seq
// comes from a single counter row, bumped in the appending transaction: its row lock is held
// until that commits, so the next append (on any node) waits, seqs are handed out without gaps,
// and they commit in order: a reader of since(n) never sees seq 12 before seq 11 is committed.
import { StoreError } from '../errors.js';
import type { AlertLog, LogMessage } from '../types.js';
import { jsonb } from './json.js';
import type { SyncPg } from './sync-pg.js';

export interface PgAlertLog extends AlertLog {
  /** Delete all but the newest `maxRows` messages; returns how many were deleted. */
  prune(): number;
}

export interface PgAlertLogOptions {
  now: () => number;
  /** Retention by count: older messages are pruned, so a resume from before them has a gap. */
  maxRows: number;
}

// One statement: atomic on its own, and inside the caller's transaction the counter stays locked to its end.
const APPEND = `
  WITH s AS (UPDATE alert_seq SET seq = seq + 1 WHERE id = 1 RETURNING seq)
  INSERT INTO alert_log (seq, ts, type, body) SELECT seq, $1, $2, $3::jsonb FROM s RETURNING seq`;
const SINCE = 'SELECT seq, body FROM alert_log WHERE seq > $1 ORDER BY seq LIMIT $2';
// The counter keeps the highest seq ever handed out, even once those rows are pruned.
const LAST = 'SELECT seq FROM alert_seq WHERE id = 1';
const PRUNE =
  'WITH d AS (DELETE FROM alert_log WHERE seq <= (SELECT seq FROM alert_seq WHERE id = 1) - $1 RETURNING 1) SELECT count(*) AS n FROM d';

/** Build the PostgreSQL AlertLog over a migrated database. */
export function createPgAlertLog(db: SyncPg, options: PgAlertLogOptions): PgAlertLog {
  return {
    append(message: LogMessage): number {
      if (message.type !== 'alert' && message.type !== 'incident') {
        throw new StoreError('invalid', `unknown log message type ${String((message as { type: unknown }).type)}`);
      }
      return db.query<{ seq: number }>(APPEND, [options.now(), message.type, jsonb(message)])[0]!.seq;
    },
    since(seq: number, limit: number) {
      const n = Math.max(0, Math.trunc(limit));
      if (n === 0) return [];
      // seqs are whole numbers: after 11.5 is after 11 (and the bigint index still serves it).
      return db.query<{ seq: number; body: LogMessage }>(SINCE, [Math.floor(seq), n]).map((r) => ({ seq: r.seq, message: r.body }));
    },
    lastSeq: () => db.query<{ seq: number }>(LAST)[0]?.seq ?? 0,
    prune: () => db.query<{ n: number }>(PRUNE, [options.maxRows])[0]?.n ?? 0,
  };
}
