// The readings and detections tables: the statements that write them (on the writer's
// connection, see telemetry-writer.ts) and the ones that read them (on the store's own).
import type { Database, Statement } from 'better-sqlite3';
import type { Reading } from '../ingest/schemas.js';
import type { Detection } from '../rules/detection.js';

/**
 * A batch on its way to the writer: the JSON arrays of its Readings and Detections. One
 * string per batch crosses to the writer thread, instead of one structured clone per row.
 */
export interface TelemetryBatch {
  readings: string;
  detections: string;
}

type ReadingParams = [number, string, string, string, string | null, string | null, number | null, number | null, string];
type DetectionParams = [number, string, string, string, string, string, string | null, string | null, string];

/** Write one batch in one transaction on `db`; throws (nothing written) when any row fails. */
export function createBatchWriter(db: Database): (batch: TelemetryBatch) => number {
  // Positional parameters: better-sqlite3 binds them without a per-row lookup by name.
  const insertReading: Statement<ReadingParams> = db.prepare(
    'INSERT INTO readings (ts, device_id, kind, channel, district, grid, lat, lon, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertDetection: Statement<DetectionParams> = db.prepare(
    'INSERT INTO detections (ts, id, rule_id, device_id, severity, category, district, grid, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const write = db.transaction((readings: Reading[], detections: Detection[]) => {
    for (const r of readings) {
      const loc = r.loc;
      insertReading.run(r.ts, r.deviceId, r.kind, r.channel, r.district ?? null, r.grid ?? null, loc ? loc.lat : null, loc ? loc.lon : null, JSON.stringify(r));
    }
    for (const d of detections) {
      insertDetection.run(d.ts, d.id, d.ruleId, d.deviceId, d.severity, d.category, d.district ?? null, d.grid ?? null, JSON.stringify(d));
    }
  });
  return (batch) => {
    const readings = JSON.parse(batch.readings) as Reading[];
    const detections = JSON.parse(batch.detections) as Detection[];
    // IMMEDIATE takes the write lock up front, so the busy timeout applies rather than a
    // deferred read-to-write upgrade failing at once beside the store's own connection.
    write.immediate(readings, detections);
    return readings.length + detections.length;
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
  /** Keyed by filter shape, so each variant can use its own index: device, grid, both, none. */
  query: Record<'devices' | 'grid' | 'both' | 'none', Statement<[QueryParams], { body: string }>>;
  deleteReadingsBefore: Statement<[{ cutoff: number; chunk: number }]>;
  deleteDetectionsBefore: Statement<[{ cutoff: number; chunk: number }]>;
}

/** Prepare the read and retention statements once. */
export function prepareTelemetryStatements(db: Database): TelemetryStatements {
  const select = (where: string) =>
    db.prepare<[QueryParams], { body: string }>(
      `SELECT body FROM readings WHERE ts >= @from AND ts <= @to ${where}
       ORDER BY ts, rowid LIMIT @limit`,
    );
  const inDevices = 'device_id IN (SELECT value FROM json_each(@devices))';
  return {
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
