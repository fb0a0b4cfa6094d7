// Row shapes of the readings and detections tables, and the statements that write and read them.
import type { Database, Statement } from 'better-sqlite3';
import type { Reading } from '../ingest/schemas.js';
import type { Detection } from '../rules/detection.js';

export interface ReadingRow {
  ts: number;
  deviceId: string;
  kind: string;
  channel: string;
  district: string | null;
  grid: string | null;
  lat: number | null;
  lon: number | null;
  body: string;
}

export interface DetectionRow {
  ts: number;
  id: string;
  ruleId: string;
  deviceId: string;
  severity: string;
  category: string;
  district: string | null;
  grid: string | null;
  body: string;
}

/** A Reading as the parameters of one readings row. */
export function readingRow(r: Reading): ReadingRow {
  return {
    ts: r.ts,
    deviceId: r.deviceId,
    kind: r.kind,
    channel: r.channel,
    district: r.district ?? null,
    grid: r.grid ?? null,
    lat: r.loc?.lat ?? null,
    lon: r.loc?.lon ?? null,
    body: JSON.stringify(r),
  };
}

/** A Detection as the parameters of one detections row. */
export function detectionRow(d: Detection): DetectionRow {
  return {
    ts: d.ts,
    id: d.id,
    ruleId: d.ruleId,
    deviceId: d.deviceId,
    severity: d.severity,
    category: d.category,
    district: d.district ?? null,
    grid: d.grid ?? null,
    body: JSON.stringify(d),
  };
}

export interface QueryParams {
  devices: string | null;
  grid: string | null;
  from: number;
  to: number;
  limit: number;
}

export interface TelemetryStatements {
  insertReading: Statement<[ReadingRow]>;
  insertDetection: Statement<[DetectionRow]>;
  /** Keyed by filter shape, so each variant can use its own index: device, grid, both, none. */
  query: Record<'devices' | 'grid' | 'both' | 'none', Statement<[QueryParams], { body: string }>>;
  deleteReadingsBefore: Statement<[{ cutoff: number; chunk: number }]>;
  deleteDetectionsBefore: Statement<[{ cutoff: number; chunk: number }]>;
}

/** Prepare every telemetry statement once. */
export function prepareTelemetryStatements(db: Database): TelemetryStatements {
  const select = (where: string) =>
    db.prepare<[QueryParams], { body: string }>(
      `SELECT body FROM readings WHERE ts >= @from AND ts <= @to ${where}
       ORDER BY ts, rowid LIMIT @limit`,
    );
  const inDevices = 'device_id IN (SELECT value FROM json_each(@devices))';
  return {
    insertReading: db.prepare(`
      INSERT INTO readings (ts, device_id, kind, channel, district, grid, lat, lon, body)
      VALUES (@ts, @deviceId, @kind, @channel, @district, @grid, @lat, @lon, @body)`),
    insertDetection: db.prepare(`
      INSERT INTO detections (ts, id, rule_id, device_id, severity, category, district, grid, body)
      VALUES (@ts, @id, @ruleId, @deviceId, @severity, @category, @district, @grid, @body)`),
    query: {
      // better-sqlite3 ignores named parameters a statement does not use.
      devices: select(`AND ${inDevices}`),
      grid: select('AND grid = @grid'),
      both: select(`AND ${inDevices} AND grid = @grid`),
      none: select(''),
    },
    // Deleting in chunks keeps each write transaction short, so ingest is never stalled long.
    deleteReadingsBefore: db.prepare(
      'DELETE FROM readings WHERE rowid IN (SELECT rowid FROM readings WHERE ts < @cutoff LIMIT @chunk)',
    ),
    deleteDetectionsBefore: db.prepare(
      'DELETE FROM detections WHERE rowid IN (SELECT rowid FROM detections WHERE ts < @cutoff LIMIT @chunk)',
    ),
  };
}
