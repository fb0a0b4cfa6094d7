// Options of openPostgresStore: a zod schema with defaults, merged once at the edge (STYLE.md).
import type { Logger } from 'pino';
import { z } from 'zod';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export const PostgresStoreOptions = z.object({
  /** postgres://user:password@host:port/database (CITYSENSE_DATABASE_URL). */
  url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  /** Also keep readings and detections in PostgreSQL (else they go to InfluxDB). Default false. */
  telemetry: z.boolean().default(false),
  /** Longest wait for one answer of the store's synchronous connection; past it the call throws. Default 10 s. */
  timeoutMs: z.number().int().positive().default(10_000),
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
  /** Telemetry rows per batch; a full buffer is written at once. Default 500. */
  telemetryBatchSize: z.number().int().positive().default(500),
  /** Longest time a buffered telemetry row waits for its write. Default 50 ms. */
  telemetryFlushIntervalMs: z.number().int().positive().default(50),
  /** Rows kept buffered while writes fail; beyond it the oldest are dropped and logged. */
  telemetryMaxPending: z.number().int().positive().default(200_000),
  /** Connections of the telemetry pool (reads and batch writes). Default 4. */
  telemetryPoolSize: z.number().int().positive().default(4),
});
export type PostgresStoreOptions = z.infer<typeof PostgresStoreOptions>;

/** Injected dependencies: functions and objects a schema cannot describe. */
export interface PostgresStoreDeps {
  logger?: Logger;
  /** Clock for retention and alert-log timestamps; tests pass their own. Default Date.now. */
  now?: () => number;
}

export type OpenPostgresStoreOptions = z.input<typeof PostgresStoreOptions> & PostgresStoreDeps;
