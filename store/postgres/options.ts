// Options of openPostgresStore: a zod schema with defaults, merged once at the edge (STYLE.md).
import { z } from 'zod';
import { CaseStoreOptions, type SqliteStoreDeps } from '../options.js';

export const PostgresStoreOptions = z.object({
  /** postgres://user:password@host:port/database (CITYSENSE_DATABASE_URL). */
  url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  /** Also keep readings and detections in PostgreSQL (else they go to InfluxDB). Default false. */
  telemetry: z.boolean().default(false),
  /** Longest wait for one answer of the store's synchronous connection; past it the call throws. Default 10 s. */
  timeoutMs: z.number().int().positive().default(10_000),
  ...CaseStoreOptions,
  /** Connections of the telemetry pool (reads and batch writes). Default 4. */
  telemetryPoolSize: z.number().int().positive().default(4),
});
export type PostgresStoreOptions = z.infer<typeof PostgresStoreOptions>;

/** Injected dependencies, as the SQLite store takes them: a logger and a clock. */
export type PostgresStoreDeps = SqliteStoreDeps;

export type OpenPostgresStoreOptions = z.input<typeof PostgresStoreOptions> & PostgresStoreDeps;
