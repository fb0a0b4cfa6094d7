// Options of the InfluxDB sink: a zod schema with defaults, merged once at the edge (STYLE.md).
// The retry numbers are the client's own WriteOptions; the rest bound what we keep in memory.
import { z } from 'zod';

export const InfluxSinkOptions = z.object({
  url: z.url(),
  /** v2: an API token. v1: `user:password` (sent as Basic auth), or nothing. */
  token: z.string().optional(),
  org: z.string().optional(),
  /** v2: the bucket; v1 (and 1.8+ v2 compat): `db` or `db/rp`. */
  bucket: z.string().min(1),
  api: z.enum(['v2', 'v1']).default('v2'),
  /** Lines per write request; a full batch is sent at once. */
  batchSize: z.number().int().positive().default(1000),
  /** Longest time a line waits in the client's batch. */
  flushIntervalMs: z.number().int().positive().default(1000),
  /** Retries of a failed batch inside the client before it goes to the spool. */
  maxRetries: z.number().int().nonnegative().default(5),
  /** Total time a batch may spend in the client's retries before it goes to the spool. */
  maxRetryTimeMs: z.number().int().positive().default(60_000),
  minRetryDelayMs: z.number().int().positive().default(1000),
  maxRetryDelayMs: z.number().int().positive().default(30_000),
  /** Lines the client's retry buffer may hold (what it sheds goes to the spool); as many again
   *  may wait for a free request slot. */
  maxBufferLines: z.number().int().positive().default(50_000),
  /** Write requests on the wire at once; further batches wait for a slot (see maxBufferLines). */
  maxInFlight: z.number().int().positive().default(8),
  /** Socket timeout of one request. */
  timeoutMs: z.number().int().positive().default(10_000),
  /** How often the spool is replayed while it holds lines. */
  replayIntervalMs: z.number().int().positive().default(2000),
  /** Longest wait at close for in-flight requests before what is left is spooled. */
  closeTimeoutMs: z.number().int().positive().default(15_000),
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
