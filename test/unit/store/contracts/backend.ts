// What the store contract tests need of a store implementation: a store over empty tables, the
// same database opened again, and a second connection for plain SQL (faults, hand edits). The
// contracts (store/types.ts) are tested once, here, and run against SQLite (test/unit/store)
// and PostgreSQL (test/store/postgres-*.test.ts) alike.
import type { CaseStore } from '../../../../store/index.js';

/** Options the contracts vary when they reopen a store. */
export interface ReopenOptions {
  alertLogMaxRows?: number;
  telemetryFlushIntervalMs?: number;
}

export interface StoreBackend<S extends CaseStore = CaseStore> {
  readonly name: string;
  /** A store over empty tables. */
  fresh(): Promise<S>;
  /** Close `store` and open its database again: whatever was committed is there. */
  reopen(store: S, options?: ReopenOptions): Promise<S>;
  /** Done with `store` for this test. */
  release(store: S): Promise<void>;
  /** One SQL statement on another connection to the same database (plain SQL both dialects take). */
  exec(sql: string): Promise<void>;
  /** Make every insert into incident_events fail with `message` (on another connection); returns the undo. */
  failEventInserts(message: string): Promise<() => Promise<void>>;
  /** After the last test: close whatever is still open. */
  dispose(): Promise<void>;
}
