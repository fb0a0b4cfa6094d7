// A read-only view of the readings in InfluxDB for tools (`citysense rules replay --since`):
// the same transport as the sink (auth, v1 or v2 API) and InfluxQL paged over a whole window.
import type { Reading } from '../../model/reading.js';
import type { TelemetryQuery } from '../types.js';
import { readAllReadings } from './query.js';
import { createTrackedTransport } from './transport.js';

export interface InfluxReaderOptions {
  url: string;
  token?: string;
  bucket: string;
  api: 'v2' | 'v1';
  timeoutMs?: number;
  /** Rows per measurement per request (default 5000). */
  pageSize?: number;
}

export interface InfluxReader {
  /** Every reading in [from, to] (optionally of some devices or one grid), oldest first. */
  readings(q: TelemetryQuery): Promise<Reading[]>;
}

export function openInfluxReader(o: InfluxReaderOptions): InfluxReader {
  // Queries go through request(), which the in-flight bound of writes does not gate.
  const transport = createTrackedTransport({
    url: o.url,
    bucket: o.bucket,
    api: o.api,
    timeoutMs: o.timeoutMs ?? 30_000,
    maxInFlight: 1,
    maxWaitingLines: 0,
    ...(o.token !== undefined ? { token: o.token } : {}),
  });
  return { readings: (q) => readAllReadings(transport, o.bucket, q, o.pageSize) };
}
