// TelemetryReader on the PostgreSQL readings table: buckets computed by the server (jsonb_each
// over each row's metrics, on the primary key's (device_id, ts) prefix), so only the buckets
// cross into JS; each device's newest reading found by a skip scan over that same index.
import type pg from 'pg';
import type { Reading } from '../../model/reading.js';
import { toSeries, type BucketRow, type TelemetryReader } from '../telemetry-series.js';
import { READING_COLUMNS, readingOf, type ReadingRow } from './telemetry-rows.js';

// Epoch-aligned buckets: ts − (ts mod step), the modulo made non-negative for times before 1970.
const SERIES = `
  SELECT m.key AS metric, r.ts - ((r.ts % $5) + $5) % $5 AS ts,
         min(m.value::float8) AS min, max(m.value::float8) AS max, avg(m.value::float8) AS avg, count(*) AS count
  FROM readings r, jsonb_each(r.body -> 'metrics') m
  WHERE r.device_id = $1 AND r.ts >= $2 AND r.ts <= $3
    AND ($4::text IS NULL OR m.key = $4) AND jsonb_typeof(m.value) = 'number'
  GROUP BY 1, 2`;

const prefixed = (p: string) =>
  READING_COLUMNS.split(', ')
    .map((c) => `${p}.${c} AS ${p}_${c}`)
    .join(', ');

// One index probe per device (the next device_id after the last), at most $1 devices; then each
// one's newest reading, and when that is a status (no location), its newest placed one too.
const LATEST = `
  WITH RECURSIVE d (device_id, n) AS (
    (SELECT device_id, 1 FROM readings ORDER BY device_id LIMIT 1)
    UNION ALL
    SELECT (SELECT r.device_id FROM readings r WHERE r.device_id > d.device_id ORDER BY r.device_id LIMIT 1), n + 1
    FROM d WHERE d.device_id IS NOT NULL AND n < $1
  )
  SELECT ${prefixed('l')}, ${prefixed('p')}
  FROM d
  CROSS JOIN LATERAL (SELECT * FROM readings r WHERE r.device_id = d.device_id ORDER BY ts DESC, channel DESC LIMIT 1) l
  LEFT JOIN LATERAL (
    SELECT * FROM readings r WHERE l.channel = 'status' AND r.device_id = d.device_id AND r.channel <> 'status'
    ORDER BY ts DESC LIMIT 1) p ON true
  WHERE d.device_id IS NOT NULL
  ORDER BY d.device_id`;

type LatestRow = Record<string, unknown>;
const part = (row: LatestRow, p: string): ReadingRow | undefined =>
  row[`${p}_device_id`] == null
    ? undefined
    : (Object.fromEntries(READING_COLUMNS.split(', ').map((c) => [c, row[`${p}_${c}`]])) as unknown as ReadingRow);

/** Build the reader over `pool`; `flush` makes accepted rows visible first. */
export function createPgTelemetryReader(pool: pg.Pool, flush: () => Promise<void> = async () => {}): TelemetryReader {
  return {
    name: 'postgres',
    async series(q) {
      await flush().catch(() => undefined); // a failed write is logged by the sink; answer with what is stored
      const r = await pool.query<BucketRow>(SERIES, [q.deviceId, Math.ceil(q.from), Math.floor(q.to), q.metric ?? null, q.stepMs]);
      return toSeries(r.rows);
    },
    async latestPerDevice(max) {
      await flush().catch(() => undefined);
      if (!(max >= 1)) return [];
      const out: Reading[] = [];
      for (const row of (await pool.query<LatestRow>(LATEST, [Math.trunc(max)])).rows) {
        const placed = part(row, 'p');
        if (placed) out.push(readingOf(placed));
        out.push(readingOf(part(row, 'l')!));
      }
      return out;
    },
  };
}
