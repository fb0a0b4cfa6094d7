// The readings and detections tables: the statements that write them (on the writer's
// connection, see telemetry-writer.ts) and the ones that read them (on the store's own).
import type { Database, Statement } from 'better-sqlite3';
import type { Reading } from '../ingest/schemas.js';
import type { Detection } from '../rules/detection.js';
import { noTurn, type Hold } from './write-turn.js';

/** The values of one readings row, in column order (ts, device_id, kind, channel, district, grid, lat, lon, body). */
export type ReadingValues = [number, string, string, string, string | null, string | null, number | null, number | null, string];
/** The values of one detections row (ts, id, rule_id, device_id, severity, category, district, grid, body). */
export type DetectionValues = [number, string, string, string, string, string, string | null, string | null, string];
/** Columns per row, in both tables. */
export const ROW_WIDTH = 9;

/**
 * A batch on its way to the writer: each table's rows as one flat array of values, row after
 * row. Flat arrays of strings and numbers are the cheapest shape to copy to the writer thread
 * (issue #3: one JSON string per batch cost three times as much to post), and the writer binds
 * them as they are: no parsing, no serialising there.
 */
export interface TelemetryBatch {
  readings: unknown[];
  detections: unknown[];
}

/** A Reading as the values of one readings row; serialising here makes an unstorable value fail at the caller. */
export function readingValues(r: Reading): ReadingValues {
  const loc = r.loc;
  return [r.ts, r.deviceId, r.kind, r.channel, r.district ?? null, r.grid ?? null, loc ? loc.lat : null, loc ? loc.lon : null, JSON.stringify(r)];
}

/** A Detection as the values of one detections row. */
export function detectionValues(d: Detection): DetectionValues {
  return [d.ts, d.id, d.ruleId, d.deviceId, d.severity, d.category, d.district ?? null, d.grid ?? null, JSON.stringify(d)];
}

/** Rows of a batch committed so far, per table (rows go in order, so these are prefixes). */
export interface WriteProgress {
  readings: number;
  detections: number;
}

/**
 * Most rows per write transaction. A commit writes every page the transaction dirtied to the
 * WAL, and with three indexes on readings a few dozen rows from many devices dirty a page
 * each: 64-row transactions wrote ~4.6 KB of WAL per reading (93 MB/s at 20k readings/s in
 * `npm run bench`), long ones write each page once for many rows.
 */
export const ROWS_PER_TRANSACTION = 1024;
/**
 * Rows between two looks at whether the main thread waits for its write turn; if it does,
 * the transaction commits early (so the alert path waits for at most this many rows, not 1024).
 */
export const YIELD_CHECK_ROWS = 16;

/**
 * Write one batch on `db` in transactions of up to `ROWS_PER_TRANSACTION` rows, each in the
 * writer's turn (write-turn.ts), committing early when `othersWaiting()`. Throws on the first
 * failed transaction (nothing of it written); `progress` then says what was committed before.
 */
export function createBatchWriter(
  db: Database,
  hold: Hold = noTurn,
  othersWaiting: () => boolean = () => false,
): (batch: TelemetryBatch, progress: WriteProgress) => void {
  // Positional parameters: better-sqlite3 binds them without a per-row lookup by name.
  const insertReading: Statement<unknown[]> = db.prepare(
    'INSERT INTO readings (ts, device_id, kind, channel, district, grid, lat, lon, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertDetection: Statement<unknown[]> = db.prepare(
    'INSERT INTO detections (ts, id, rule_id, device_id, severity, category, district, grid, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  /** Rows from..to at most, in one transaction; returns the row it stopped before. */
  const insertRows = db.transaction((stmt: Statement<unknown[]>, v: unknown[], from: number, to: number): number => {
    for (let row = from; row < to; row++) {
      if (row > from && (row - from) % YIELD_CHECK_ROWS === 0 && othersWaiting()) return row;
      const i = row * ROW_WIDTH;
      stmt.run(v[i], v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 6], v[i + 7], v[i + 8]);
    }
    return to;
  });
  const writeTable = (stmt: Statement<unknown[]>, v: unknown[], progress: WriteProgress, table: keyof WriteProgress) => {
    const rows = v.length / ROW_WIDTH;
    while (progress[table] < rows) {
      const to = Math.min(rows, progress[table] + ROWS_PER_TRANSACTION);
      // IMMEDIATE takes the write lock up front, so the busy timeout applies rather than a
      // deferred read-to-write upgrade failing at once beside the store's own connection.
      progress[table] = hold(() => insertRows.immediate(stmt, v, progress[table], to));
    }
  };
  return (batch, progress) => {
    writeTable(insertReading, batch.readings, progress, 'readings');
    writeTable(insertDetection, batch.detections, progress, 'detections');
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
