// Read-only access to the readings of a service's SQLite file, for `citysense rules replay
// --since/--until`: opened with `readonly`, so it never migrates, prunes or locks a running
// service out (WAL lets it read beside the writer).
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Reading } from '../model/reading.js';
import { StoreError } from './errors.js';
import { hasTable, telemetryFileFor } from './migrations.js';
import { DB_FILE_NAME } from './sqlite.js';
import { READING_ROW_COLUMNS, readingFromRow, type ReadingRow } from './telemetry-rows.js';

export interface ReadingsReader {
  readonly path: string;
  /** Readings with from ≤ ts ≤ to, in ts order (then arrival order), read in pages. */
  readings(from: number, to: number, pageSize?: number): Generator<Reading>;
  close(): void;
}

/**
 * Open the telemetry of `${dataDir}/citysense.db` (or of a store .db file, or a telemetry file
 * itself) read-only: its readings live in `citysense-telemetry.db` beside it, or, in a store no
 * service of schema 5 has opened yet, in the store's file itself.
 */
export function openSqliteReadingsReader(dataDirOrFile: string): ReadingsReader {
  const given = dataDirOrFile.endsWith('.db') ? dataDirOrFile : path.join(dataDirOrFile, DB_FILE_NAME);
  const candidates = given.endsWith('-telemetry.db') ? [given] : [telemetryFileFor(given), given];
  let db: Database.Database | undefined;
  for (const f of candidates) {
    db = openWithReadings(f);
    if (db !== undefined) break;
  }
  if (db === undefined) throw new StoreError('invalid', `no telemetry store at ${candidates[0]}`);
  const page = db.prepare<{ from: number; to: number; afterTs: number; afterRow: number; limit: number }, ReadingRow & { rowid: number }>(`
    SELECT rowid, ${READING_ROW_COLUMNS} FROM readings
    WHERE ts >= @from AND ts <= @to AND (ts > @afterTs OR (ts = @afterTs AND rowid > @afterRow))
    ORDER BY ts, rowid LIMIT @limit`);
  return {
    path: db.name,
    *readings(from, to, pageSize = 5000) {
      let afterTs = -Infinity;
      let afterRow = -1;
      for (;;) {
        const rows = page.all({ from, to, afterTs: Number.isFinite(afterTs) ? afterTs : from - 1, afterRow, limit: pageSize });
        for (const r of rows) yield readingFromRow(r);
        if (rows.length < pageSize) return;
        const last = rows[rows.length - 1]!;
        afterTs = last.ts;
        afterRow = last.rowid;
      }
    },
    close: () => db.close(),
  };
}

/** `file` opened read-only if it exists and holds readings. */
function openWithReadings(file: string): Database.Database | undefined {
  if (!fs.existsSync(file)) return undefined;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  if (hasTable(db, 'readings')) return db;
  db.close();
  return undefined;
}
