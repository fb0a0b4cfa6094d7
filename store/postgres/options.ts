// Options of openPostgresStore: a zod schema with defaults, merged once at the edge (STYLE.md).
import type { Logger } from 'pino';
import { z } from 'zod';

const HOUR_MS = 3_600_000;

export const PostgresStoreOptions = z.object({
  /** postgres://user:password@host:port/database (CITYSENSE_DATABASE_URL). */
  url: z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  /** Longest wait for one answer of the store's synchronous connection; past it the call throws. Default 10 s. */
  timeoutMs: z.number().int().positive().default(10_000),
  /** How often alert-log pruning runs (besides once at open). Default 1 hour. */
  maintenanceIntervalMs: z.number().int().positive().default(HOUR_MS),
  /** Alert log retention by count: the newest N messages are kept. Default 1,000,000. */
  alertLogMaxRows: z.number().int().positive().default(1_000_000),
});
export type PostgresStoreOptions = z.infer<typeof PostgresStoreOptions>;

/** Injected dependencies: functions and objects a schema cannot describe. */
export interface PostgresStoreDeps {
  logger?: Logger;
  /** Clock for retention and alert-log timestamps; tests pass their own. Default Date.now. */
  now?: () => number;
}

export type OpenPostgresStoreOptions = z.input<typeof PostgresStoreOptions> & PostgresStoreDeps;
