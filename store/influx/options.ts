// Options of the InfluxDB sink: a zod schema with defaults, merged once at the edge (STYLE.md);
// app/config.ts uses it as the config file's `influx` block.
// The retry numbers are the client's own WriteOptions; the rest bound what we keep in memory.
import { z } from 'zod';
import { PositiveDuration } from '../../model/duration.js';

/** A time span: a duration string ("500ms", "30s") as in the config file, or a number of ms. */
const Span = z.preprocess((v) => (typeof v === 'number' && v >= 0 ? `${v}ms` : v), PositiveDuration);

/**
 * The one schema of the InfluxDB options: the config file's `influx` block (docs/operations.md § InfluxDB)
 * and the sink's options are the same object, durations parsed to ms.
 */
export const InfluxSinkOptions = z.strictObject({
  url: z.url(),
  /** v2: an API token. v1: `user:password` (sent as Basic auth), or nothing. */
  token: z.string().optional(),
  org: z.string().optional(),
  /** v2: the bucket; v1 (and 1.8+ v2 compat): `db` or `db/rp`. */
  bucket: z.string().min(1),
  api: z.enum(['v2', 'v1']).default('v2'),
  // File-only tuning of the sink (docs/operations.md § InfluxDB).
  /** Lines per write request; a full batch is sent at once. */
  batchSize: z.number().int().positive().default(1000),
  /** Longest time a line waits in the client's batch. */
  flushInterval: Span.default(1000),
  /** Retries of a failed batch inside the client before it goes to the spool. */
  maxRetries: z.number().int().nonnegative().default(5),
  /** Total time a batch may spend in the client's retries before it goes to the spool. */
  maxRetryTime: Span.default(60_000),
  minRetryDelay: Span.default(1000),
  maxRetryDelay: Span.default(30_000),
  /** Lines the client's retry buffer may hold (what it sheds goes to the spool); as many again
   *  may wait for a free request slot. */
  maxBufferLines: z.number().int().positive().default(50_000),
  /** Write requests on the wire at once; further batches wait for a slot (see maxBufferLines). */
  maxInFlight: z.number().int().positive().default(8),
  /** Socket timeout of one request; unset: 10 s for writes, 30 s for the readers' queries. */
  timeout: Span.optional(),
  /** How often the spool is replayed while it holds lines. */
  replayInterval: Span.default(2000),
  /** Longest wait at close for in-flight requests before what is left is spooled. */
  closeTimeout: Span.default(15_000),
});
export type InfluxSinkOptions = z.infer<typeof InfluxSinkOptions>;
export type InfluxSinkOptionsInput = z.input<typeof InfluxSinkOptions>;

/** Database and retention policy named by a bucket (`db` or `db/rp`), for /write and /query. */
export function dbrp(bucket: string): { db: string; rp?: string } {
  const slash = bucket.indexOf('/');
  if (slash < 0) return { db: bucket };
  const rp = bucket.slice(slash + 1);
  return { db: bucket.slice(0, slash), ...(rp ? { rp } : {}) };
}
