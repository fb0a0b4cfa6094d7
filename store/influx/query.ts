// Reads through InfluxQL on `/query`, which 1.x, 2.x (v1 compatibility) and 3.x all answer:
// the readings of a review window, rebuilt from the measurements of schema.ts.
import type { Transport } from '@influxdata/influxdb-client';
import { z } from 'zod';
import { DeviceKind, type Reading } from '../../model/reading.js';
import type { TelemetryQuery } from '../types.js';
import { StoreError } from '../errors.js';
import { dbrp } from './options.js';
import { LOC_FIELDS, MEASUREMENT, READING_MEASUREMENTS } from './schema.js';
import { issuesOf } from '../../model/index.js';

export const DEFAULT_QUERY_LIMIT = 5000;
const MAX_QUERY_LIMIT = 100_000;
const TAGS = new Set(['kind', 'device', 'district', 'grid', 'type']);

const Series = z.object({
  name: z.string(),
  /** The GROUP BY tags of this series (absent without GROUP BY). */
  tags: z.record(z.string(), z.string()).optional(),
  columns: z.array(z.string()),
  values: z.array(z.array(z.unknown())).default([]),
});
const QueryResponse = z.object({
  results: z.array(z.object({ error: z.string().optional(), series: z.array(Series).optional() })).default([]),
  error: z.string().optional(),
});
export type InfluxSeries = z.infer<typeof Series>;

/** An InfluxQL string literal. */
export const literal = (s: string) => `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`;
/** An InfluxQL identifier. */
export const ident = (s: string) => `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`;

/** The device and grid conditions of a telemetry query. */
function tagFilters(q: TelemetryQuery): string[] {
  const out: string[] = [];
  if (q.deviceIds && q.deviceIds.length > 0) out.push(`(${q.deviceIds.map((d) => `"device" = ${literal(d)}`).join(' OR ')})`);
  if (q.grid !== undefined) out.push(`"grid" = ${literal(q.grid)}`);
  return out;
}

/** The InfluxQL statement of a telemetry query (LIMIT applies per measurement). */
export function readingsStatement(q: TelemetryQuery, limit: number): string {
  const where = [`time >= ${Math.trunc(q.from)}ms`, `time <= ${Math.trunc(q.to)}ms`, ...tagFilters(q)];
  return `SELECT * FROM ${READING_MEASUREMENTS.map(ident).join(',')} WHERE ${where.join(' AND ')} ORDER BY time ASC LIMIT ${limit}`;
}

/** Run one InfluxQL statement; returns its series (times in µs). Throws StoreError on failure. */
export async function influxQl(t: Transport, bucket: string, statement: string): Promise<InfluxSeries[]> {
  const { db, rp } = dbrp(bucket);
  const params = new URLSearchParams({ db, epoch: 'u', q: statement });
  if (rp) params.set('rp', rp);
  let body: unknown;
  try {
    body = await t.request(`/query?${params.toString()}`, '', { method: 'GET', headers: { accept: 'application/json' } });
  } catch (err) {
    throw new StoreError('write_failed', `InfluxDB query failed: ${(err as Error).message}`, true, { cause: err });
  }
  const parsed = QueryResponse.safeParse(body);
  if (!parsed.success) {
    const [issue] = issuesOf(parsed.error);
    throw new StoreError('invalid', `InfluxDB query answer: ${issue?.path ?? ''}: ${issue?.message ?? 'unexpected'}`);
  }
  const error = parsed.data.error ?? parsed.data.results.find((r) => r.error)?.error;
  if (error) throw new StoreError('invalid', `InfluxDB query refused: ${error}`);
  return parsed.data.results.flatMap((r) => r.series ?? []);
}

/** Readings in [from, to] from InfluxDB, oldest first. */
export async function queryReadings(t: Transport, bucket: string, q: TelemetryQuery): Promise<Reading[]> {
  const limit = Math.min(MAX_QUERY_LIMIT, Math.max(1, Math.trunc(q.limit ?? DEFAULT_QUERY_LIMIT)));
  const series = await influxQl(t, bucket, readingsStatement(q, limit));
  const readings = series.flatMap(seriesToReadings);
  // Stable sort: within one timestamp the order of the measurements above is kept.
  return readings.sort((a, b) => a.ts - b.ts).slice(0, limit);
}

/** The InfluxQL statement of one page of one measurement, oldest first: `time >= fromUs`
 *  with a LIMIT, or with `exactUs` every row at that one timestamp. */
export function pageStatement(
  measurement: string,
  q: TelemetryQuery,
  page: { fromUs: number; limit: number } | { exactUs: number },
): string {
  const where = 'exactUs' in page ? [`time = ${page.exactUs}u`] : [`time >= ${page.fromUs}u`, `time <= ${Math.trunc(q.to)}ms`];
  where.push(...tagFilters(q));
  return `SELECT * FROM ${ident(measurement)} WHERE ${where.join(' AND ')} ORDER BY time ASC${'limit' in page ? ` LIMIT ${page.limit}` : ''}`;
}

/** Every row of one measurement in [from, to], page by page (no row cap). The order of rows that
 *  share a timestamp is not stable between queries (1.x), so a full page is cut before its last
 *  timestamp and the next page starts there; a page of one timestamp is read whole on its own. */
async function allRowsOf(t: Transport, bucket: string, measurement: string, q: TelemetryQuery, pageSize: number): Promise<Reading[]> {
  const out: Reading[] = [];
  let fromUs = Math.trunc(q.from) * 1000;
  for (;;) {
    const s = (await influxQl(t, bucket, pageStatement(measurement, q, { fromUs, limit: pageSize })))[0];
    if (!s || s.values.length < pageSize) return (s && out.push(...seriesToReadings(s)), out);
    const timeAt = s.columns.indexOf('time');
    const timeOf = (row: unknown[]) => Number(row[timeAt]);
    const last = timeOf(s.values[s.values.length - 1]!);
    if (timeOf(s.values[0]!) === last) {
      // More rows at one timestamp than a page holds: take that timestamp whole.
      const tie = (await influxQl(t, bucket, pageStatement(measurement, q, { exactUs: last })))[0];
      if (tie) out.push(...seriesToReadings(tie));
      fromUs = last + 1;
    } else {
      out.push(...seriesToReadings({ ...s, values: s.values.filter((row) => timeOf(row) < last) }));
      fromUs = last;
    }
  }
}

/** Every reading in [from, to] from InfluxDB, oldest first, read in pages of `pageSize` rows
 *  per measurement (for replays of a whole review window; `queryReadings` caps its answer). */
export async function readAllReadings(t: Transport, bucket: string, q: TelemetryQuery, pageSize = DEFAULT_QUERY_LIMIT): Promise<Reading[]> {
  const size = Math.min(MAX_QUERY_LIMIT, Math.max(1, Math.trunc(pageSize)));
  const parts: Reading[] = [];
  for (const m of READING_MEASUREMENTS) parts.push(...(await allRowsOf(t, bucket, m, q, size)));
  // Stable sort: within one timestamp the order of the measurements is kept, as queryReadings does.
  return parts.sort((a, b) => a.ts - b.ts);
}

/** One series of a reading measurement → Readings (one per row). */
export function seriesToReadings(s: InfluxSeries): Reading[] {
  const out: Reading[] = [];
  for (const row of s.values) {
    const col: Record<string, unknown> = {};
    s.columns.forEach((c, i) => (col[c] = row[i]));
    const kind = DeviceKind.safeParse(col.kind);
    if (!kind.success || typeof col.device !== 'string' || typeof col.time !== 'number') continue;
    const ts = Math.floor(col.time / 1000);
    const r: Reading = { ts, receivedAt: ts, deviceId: col.device, kind: kind.data, channel: 'telemetry', metrics: {}, events: [] };
    if (typeof col.district === 'string') r.district = col.district;
    if (typeof col.grid === 'string') r.grid = col.grid;
    const lat = col[LOC_FIELDS.lat];
    const lon = col[LOC_FIELDS.lon];
    const loc = typeof lat === 'number' && typeof lon === 'number' ? { lat, lon } : undefined;
    if (s.name === MEASUREMENT.deviceStatus) {
      r.channel = 'status';
      r.status = col.online === true ? 'online' : 'offline';
    } else if (s.name === MEASUREMENT.event) {
      if (r.kind === 'camera') r.channel = 'event';
      const e: Reading['events'][number] = { type: String(col.type ?? ''), confidence: Number(col.confidence ?? 0) };
      if (typeof col.count === 'number') e.count = col.count;
      if (typeof col.snapshot === 'string') e.snapshot = col.snapshot;
      if (loc) e.loc = loc;
      r.events.push(e);
    } else {
      for (const [name, v] of Object.entries(col)) {
        if (typeof v === 'number' && name !== 'time' && !TAGS.has(name) && name !== LOC_FIELDS.lat && name !== LOC_FIELDS.lon)
          r.metrics[name] = v;
      }
      if (loc) r.loc = s.name === MEASUREMENT.dronePosition && r.metrics.alt !== undefined ? { ...loc, alt: r.metrics.alt } : loc;
      if (typeof col.mission === 'string') r.mission = col.mission;
    }
    out.push(r);
  }
  return out;
}
