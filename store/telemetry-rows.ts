// The readings and detections tables: the statements that write them (on the writer's
// connection, see telemetry-writer.ts) and the ones that read them (on the store's own).
import type { Database, Statement } from 'better-sqlite3';
import type { Reading } from '../model/reading.js';
import type { Detection } from '../model/detection.js';
import { RowDecoder } from './row-codec.js';

/** The values of one readings row, in column order (ts, device_id, kind, channel, district, grid, lat, lon, body). */
export type ReadingValues = [number, string, string, string, string | null, string | null, number | null, number | null, string];
/** The values of one detections row (ts, id, rule_id, device_id, severity, category, district, grid, body). */
export type DetectionValues = [number, string, string, string, string, string, string | null, string | null, string];
/** Columns per row, in both tables. */
export const ROW_WIDTH = 9;

/**
 * A batch on its way to the writer: each table's rows encoded one after another (row-codec.ts),
 * each in an ArrayBuffer of its own, which posting to the writer thread moves there.
 * Bytes are the cheapest shape to post to the writer thread and cost the garbage collector
 * nothing while they wait; the writer decodes and binds them, no JSON parsing there.
 */
export interface TelemetryBatch {
  readings: Uint8Array<ArrayBuffer>;
  detections: Uint8Array<ArrayBuffer>;
}

/**
 * A Reading as the values of one readings row; serialising here makes an unstorable value fail
 * at the caller. The body holds what the columns do not.
 */
export function readingValues(r: Reading): ReadingValues {
  const { ts, deviceId, kind, channel, district, grid, ...rest } = r;
  const loc = r.loc;
  return [ts, deviceId, kind, channel, district ?? null, grid ?? null, loc ? loc.lat : null, loc ? loc.lon : null, JSON.stringify(rest)];
}

/** The columns a Reading is read back from. */
export interface ReadingRow {
  ts: number;
  device_id: string;
  kind: string;
  channel: string;
  district: string | null;
  grid: string | null;
  body: string;
}
export const READING_ROW_COLUMNS = 'ts, device_id, kind, channel, district, grid, body';

/** A Reading from its row (rows written before the body was slimmed hold all of it in the body). */
export function readingFromRow(row: ReadingRow): Reading {
  // Bodies were written by the telemetry sink from typed Readings.
  const rest = JSON.parse(row.body) as Partial<Reading>;
  return {
    ts: row.ts,
    deviceId: row.device_id,
    kind: row.kind as Reading['kind'],
    channel: row.channel as Reading['channel'],
    ...(row.district !== null ? { district: row.district } : {}),
    ...(row.grid !== null ? { grid: row.grid } : {}),
    ...rest,
  } as Reading;
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
 * Write one batch on `db` in transactions of up to `ROWS_PER_TRANSACTION` rows. Throws on the
 * first failed transaction (nothing of it written); `progress` then says what was committed before.
 */
export function createBatchWriter(db: Database): (batch: TelemetryBatch, progress: WriteProgress) => void {
  // Positional parameters: better-sqlite3 binds them without a per-row lookup by name.
  const insertReading: Statement<unknown[]> = db.prepare(
    'INSERT INTO readings (ts, device_id, kind, channel, district, grid, lat, lon, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insertDetection: Statement<unknown[]> = db.prepare(
    'INSERT INTO detections (ts, id, rule_id, device_id, severity, category, district, grid, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  /** The next rows, up to ROWS_PER_TRANSACTION, in one transaction; returns how many. */
  const insertRows = db.transaction((stmt: Statement<unknown[]>, rows: RowDecoder): number => {
    const v = rows.values;
    let n = 0;
    while (n < ROWS_PER_TRANSACTION && rows.next()) {
      stmt.run(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]);
      n++;
    }
    return n;
  });
  const writeTable = (stmt: Statement<unknown[]>, bytes: Uint8Array, progress: WriteProgress, table: keyof WriteProgress) => {
    const rows = new RowDecoder(bytes, ROW_WIDTH);
    while (!rows.done) {
      // IMMEDIATE takes the write lock up front, so the busy timeout applies rather than a
      // deferred read-to-write upgrade failing at once beside the store's own connection.
      progress[table] += insertRows.immediate(stmt, rows);
    }
  };
  return (batch, progress) => {
    writeTable(insertReading, batch.readings, progress, 'readings');
    writeTable(insertDetection, batch.detections, progress, 'detections');
  };
}

/** Rows deleted per retention transaction: short ones, so batches are written in between. */
export const PRUNE_CHUNK = 10_000;

/** Retention, on the connection that writes the telemetry: delete up to PRUNE_CHUNK rows of `table` older than `cutoff`. */
export function createPruner(db: Database): (table: keyof WriteProgress, cutoff: number) => number {
  const del = {
    readings: db.prepare<[number, number]>('DELETE FROM readings WHERE rowid IN (SELECT rowid FROM readings WHERE ts < ? LIMIT ?)'),
    detections: db.prepare<[number, number]>('DELETE FROM detections WHERE rowid IN (SELECT rowid FROM detections WHERE ts < ? LIMIT ?)'),
  };
  return (table, cutoff) => del[table].run(cutoff, PRUNE_CHUNK).changes;
}

/** Every row older than `cutoff`, a chunk per step, counted in `deleted` (the writer thread yields between steps). */
export function* pruneSteps(prune: ReturnType<typeof createPruner>, cutoff: number, deleted: WriteProgress): Generator<void> {
  for (const table of ['readings', 'detections'] as const) {
    for (let n = PRUNE_CHUNK; n === PRUNE_CHUNK;) {
      n = prune(table, cutoff);
      deleted[table] += n;
      if (n === PRUNE_CHUNK) yield;
    }
  }
}

/** Every row older than `cutoff`, at once. */
export function pruneNow(prune: ReturnType<typeof createPruner>, cutoff: number): WriteProgress {
  const deleted = { readings: 0, detections: 0 };
  for (const _ of pruneSteps(prune, cutoff, deleted));
  return deleted;
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
  query: Record<'devices' | 'grid' | 'both' | 'none', Statement<[QueryParams], ReadingRow>>;
}

/** Prepare the read statements once. */
export function prepareTelemetryStatements(db: Database): TelemetryStatements {
  const select = (where: string) =>
    db.prepare<[QueryParams], ReadingRow>(
      `SELECT ${READING_ROW_COLUMNS} FROM readings WHERE ts >= @from AND ts <= @to ${where}
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
  };
}
