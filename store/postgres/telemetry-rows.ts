// The telemetry tables of PostgreSQL (schema migration 2): a domain value as the values of its
// row, and one multi-row INSERT per table (an array per column, unnest), each row stored once per
// series and time: a redelivered reading or a detection made again is skipped (ON CONFLICT DO NOTHING).
import type { Detection } from '../../model/detection.js';
import type { Reading } from '../../model/reading.js';
import type { IncidentEventRecord } from '../types.js';
import { jsonb } from './json.js';

export type TelemetryTable = 'readings' | 'detections' | 'incident_event_points';
export type RowValues = Array<string | number | null>;

/** The INSERT of each table; parameter n is the array of column n. */
export const INSERT_SQL: Record<TelemetryTable, string> = {
  readings: `
    INSERT INTO readings (device_id, ts, channel, kind, district, grid, lat, lon, body)
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::float8[], $8::float8[], $9::jsonb[])
    ON CONFLICT DO NOTHING`,
  detections: `
    INSERT INTO detections (rule_id, dedup_key, ts, phase, id, device_id, severity, category, district, grid, body)
    SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::jsonb[])
    ON CONFLICT DO NOTHING`,
  incident_event_points: `
    INSERT INTO incident_event_points (incident_id, event_id, ts, type, state, severity, category, district, grid, department, actor, body)
    SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::jsonb[])
    ON CONFLICT DO NOTHING`,
};

/** Whole ms for a bigint column; a time with a fraction keeps its exact value in the body. */
const wholeMs = (ts: number): number => Math.floor(ts);

/** A Reading as its row; the body holds what the columns do not (and an exact fractional ts). */
export function readingRow(r: Reading): RowValues {
  const { ts, deviceId, kind, channel, district, grid, ...rest } = r;
  const at = wholeMs(ts);
  const body = jsonb(at === ts ? rest : { ...rest, ts });
  return [deviceId, at, channel, kind, district ?? null, grid ?? null, r.loc ? r.loc.lat : null, r.loc ? r.loc.lon : null, body];
}

/** The columns a Reading is read back from. */
export const READING_COLUMNS = 'device_id, ts, channel, kind, district, grid, body';
export interface ReadingRow {
  device_id: string;
  ts: number;
  channel: string;
  kind: string;
  district: string | null;
  grid: string | null;
  body: Partial<Reading>;
}

/** A Reading from its row. */
export function readingOf(row: ReadingRow): Reading {
  return {
    ts: row.ts,
    deviceId: row.device_id,
    kind: row.kind as Reading['kind'],
    channel: row.channel as Reading['channel'],
    ...(row.district !== null ? { district: row.district } : {}),
    ...(row.grid !== null ? { grid: row.grid } : {}),
    // Written by the sink from typed Readings.
    ...row.body,
  } as Reading;
}

/** A Detection as its row: the whole detection in the body. */
export function detectionRow(d: Detection): RowValues {
  return [
    d.ruleId,
    d.dedupKey,
    wholeMs(d.ts),
    d.phase,
    d.id,
    d.deviceId,
    d.severity,
    d.category,
    d.district ?? null,
    d.grid ?? null,
    jsonb(d),
  ];
}

/** An incident event with its incident's dimensions at the time, as its row. */
export function incidentEventRow({ incident: i, event: e }: IncidentEventRecord): RowValues {
  return [
    i.id,
    e.id,
    wholeMs(e.ts),
    e.type,
    i.state,
    i.severity,
    i.category,
    i.district ?? null,
    i.grid ?? null,
    i.department ?? null,
    e.actor,
    jsonb(e),
  ];
}

/** The rows of one table as one array per column: the parameters of its INSERT. */
export function columnsOf(rows: readonly RowValues[]): RowValues[] {
  const width = rows[0]?.length ?? 0;
  const cols: RowValues[] = Array.from({ length: width }, () => new Array<string | number | null>(rows.length));
  rows.forEach((row, n) => row.forEach((v, c) => (cols[c]![n] = v)));
  return cols;
}
