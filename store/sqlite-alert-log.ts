// AlertLog on SQLite: the durable log behind WebSocket `seq` (DESIGN.md § WebSocket /ws).
// seq is an AUTOINCREMENT key, so it only grows, across pruning and restarts alike.
import type { Database } from 'better-sqlite3';
import { StoreError } from './errors.js';
import type { AlertLog, LogMessage } from './types.js';

export interface SqliteAlertLog extends AlertLog {
  /** Delete all but the newest `maxRows` messages; returns how many were deleted. */
  prune(): number;
}

export interface AlertLogOptions {
  now: () => number;
  /** Retention by count: older messages are pruned, so a resume from before them has a gap. */
  maxRows: number;
  /** Prune after this many appends (besides the store's hourly maintenance). */
  pruneEvery: number;
}

interface SeqRow {
  seq: number;
  body: string;
}

/** Build the SQLite AlertLog over an open, migrated database. */
export function createSqliteAlertLog(db: Database, options: AlertLogOptions): SqliteAlertLog {
  const insert = db.prepare('INSERT INTO alert_log (ts, type, body) VALUES (?, ?, ?)');
  const after = db.prepare<[number, number], SeqRow>('SELECT seq, body FROM alert_log WHERE seq > ? ORDER BY seq LIMIT ?');
  // sqlite_sequence keeps the highest seq ever handed out, even once those rows are pruned.
  const last = db.prepare<[], { seq: number }>("SELECT seq FROM sqlite_sequence WHERE name = 'alert_log'");
  const pruneBelow = db.prepare('DELETE FROM alert_log WHERE seq <= ?');
  let appendsSincePrune = 0;

  const lastSeq = (): number => last.get()?.seq ?? 0;
  const prune = (): number => {
    appendsSincePrune = 0;
    return pruneBelow.run(lastSeq() - options.maxRows).changes;
  };

  return {
    append(message: LogMessage): number {
      if (message.type !== 'alert' && message.type !== 'incident') {
        throw new StoreError('invalid', `unknown log message type ${String((message as { type: unknown }).type)}`);
      }
      const seq = Number(insert.run(options.now(), message.type, JSON.stringify(message)).lastInsertRowid);
      if (++appendsSincePrune >= options.pruneEvery) prune();
      return seq;
    },
    since(seq: number, limit: number) {
      const n = Math.max(0, Math.trunc(limit));
      return after.all(seq, n).map((r) => ({ seq: r.seq, message: JSON.parse(r.body) as LogMessage }));
    },
    lastSeq,
    prune,
  };
}
