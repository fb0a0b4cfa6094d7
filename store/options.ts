// Options of openSqliteStore (and what openPostgresStore shares with it): zod schemas with
// defaults, merged once at the edge (STYLE.md).
import { pino, type Logger } from 'pino';
import { z } from 'zod';
import { issuesOf } from '../model/index.js';
import { StoreError } from './errors.js';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** What both stores take alike: retention, alert-log pruning and telemetry batching. */
export const CaseStoreOptions = {
  /** Readings and detections older than this (by their ts) are deleted. Default 7 days. */
  telemetryRetentionMs: z
    .number()
    .int()
    .positive()
    .default(7 * DAY_MS),
  /** How often retention and alert-log pruning run (besides once at open). Default 1 hour. */
  maintenanceIntervalMs: z.number().int().positive().default(HOUR_MS),
  /** Alert log retention by count: the newest N messages are kept. Default 1,000,000. */
  alertLogMaxRows: z.number().int().positive().default(1_000_000),
  /** Telemetry rows per write; a full buffer is written at once. Default 500. */
  telemetryBatchSize: z.number().int().positive().default(500),
  /** Longest time a buffered telemetry row waits for its write. Default 50 ms. */
  telemetryFlushIntervalMs: z.number().int().positive().default(50),
  /** Rows kept buffered while writes fail; beyond it the oldest are dropped and logged. */
  telemetryMaxPending: z.number().int().positive().default(200_000),
};

export const SqliteStoreOptions = z
  .object({
    /** Folder of the database file `citysense.db`; created if missing. */
    dataDir: z.string().min(1).optional(),
    /** Exact database file, or `:memory:` for tests. Wins over dataDir. */
    path: z.string().min(1).optional(),
    ...CaseStoreOptions,
    /**
     * Who writes telemetry: `worker` (default) a thread with its own connection, so inserts
     * never hold up ingest; `inline` the store's own connection. `:memory:` is always inline.
     */
    telemetryWriter: z.enum(['worker', 'inline']).default('worker'),
    /** How long a write waits for another connection's lock (SQLITE_BUSY). Default 5 s. */
    busyTimeoutMs: z.number().int().nonnegative().default(5000),
  })
  .refine((o) => o.dataDir !== undefined || o.path !== undefined, {
    message: 'either dataDir or path is required',
    path: ['dataDir'],
  });
export type SqliteStoreOptions = z.infer<typeof SqliteStoreOptions>;

/** Injected dependencies: functions and objects a schema cannot describe. */
export interface SqliteStoreDeps {
  logger?: Logger;
  /** Clock for retention and alert-log timestamps; tests pass their own. Default Date.now. */
  now?: () => number;
}

export type OpenSqliteStoreOptions = z.input<typeof SqliteStoreOptions> & SqliteStoreDeps;

/** Validate a store's options (a StoreError names the first bad one) and give its logger and clock. */
export function parseStoreOptions<S extends z.ZodType>(
  schema: S,
  options: z.input<S> & SqliteStoreDeps,
): { o: z.output<S>; logger: Logger; now: () => number } {
  const { logger: parentLogger, now = Date.now, ...raw } = options as SqliteStoreDeps & Record<string, unknown>;
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    const [issue] = issuesOf(parsed.error);
    throw new StoreError('invalid', `store option ${issue?.path ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return { o: parsed.data, logger: (parentLogger ?? pino({ name: 'citysense' })).child({ stage: 'store' }), now };
}
