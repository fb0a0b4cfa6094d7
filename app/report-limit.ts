// The report rate of each `reporter` token (12345 hotline, citizen app): a token bucket per
// token (broker/limits.ts, as for devices), so one leaked or looping client cannot bury the
// operators in reports. Pure but for the injected clock.
import { createTokenBuckets } from '../broker/index.js';

/** Whether one more report of `key` may pass now; when not, how many whole seconds until one can. */
export type ReportLimit = (key: string) => { ok: true } | { ok: false; retryAfterS: number };

/** `reportsPerMinute` per key, up to `burst` at once; 0 means unlimited. */
export function createReportLimit(opts: { reportsPerMinute: number; burst: number; now?: () => number }): ReportLimit {
  const buckets = createTokenBuckets(opts.reportsPerMinute / 60, opts.burst, opts.now);
  // An empty bucket holds less than one token: one refills within 60 / rate seconds at most.
  const retryAfterS = opts.reportsPerMinute > 0 ? Math.max(1, Math.ceil(60 / opts.reportsPerMinute)) : 0;
  return (key) => (buckets.take(key) ? { ok: true } : { ok: false, retryAfterS });
}
