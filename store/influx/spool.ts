// The spool: lines InfluxDB could not take within the client's retries wait here, in the
// embedded SQLite store (table influx_spool, migration 3), and are replayed oldest first.
// Its own connection to the store's file: WAL lets it write beside the main connection.
import fs from 'node:fs';
import path from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { MIGRATIONS, hasTable, migrate } from '../migrations.js';

const SPOOL_MIGRATION = 3;

export interface SpoolBatch {
  id: number;
  lines: string[];
}

export interface Spool {
  /** Append lines as rows of at most `rowLines` lines each, in one transaction. */
  append(lines: readonly string[]): void;
  /** The oldest spooled batch, if any. */
  oldest(): SpoolBatch | undefined;
  /** Delete a batch once InfluxDB took it (or refused it for good). */
  remove(id: number): void;
  /** Lines in the spool now. */
  depth(): number;
  close(): void;
}

/** Open (creating and migrating as needed) the spool in the SQLite file at `file`. */
export function openSpool(file: string, o: { rowLines: number; busyTimeoutMs?: number }): Spool {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const db: Db = new Database(file, { timeout: o.busyTimeoutMs ?? 5000 });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db);
    // A database that reached a later version before migration 3 existed never ran it.
    if (!hasTable(db, 'influx_spool')) db.exec(MIGRATIONS.find((m) => m.version === SPOOL_MIGRATION)?.sql ?? '');
  } catch (err) {
    db.close();
    throw err;
  }
  const insert = db.prepare<[{ at: number; count: number; body: string }]>(
    'INSERT INTO influx_spool (spooled_at, line_count, body) VALUES (@at, @count, @body)',
  );
  const first = db.prepare<[], { id: number; body: string }>('SELECT id, body FROM influx_spool ORDER BY id LIMIT 1');
  const del = db.prepare<[number]>('DELETE FROM influx_spool WHERE id = ?');
  const countOf = db.prepare<[number], { line_count: number }>('SELECT line_count FROM influx_spool WHERE id = ?');
  let depth = (db.prepare('SELECT COALESCE(SUM(line_count), 0) AS n FROM influx_spool').get() as { n: number }).n;

  const appendAll = db.transaction((lines: readonly string[]) => {
    const at = Date.now();
    for (let i = 0; i < lines.length; i += o.rowLines) {
      const chunk = lines.slice(i, i + o.rowLines);
      insert.run({ at, count: chunk.length, body: JSON.stringify(chunk) });
    }
  });

  return {
    append(lines) {
      if (lines.length === 0) return;
      appendAll(lines);
      depth += lines.length;
    },
    oldest() {
      const row = first.get();
      // Bodies were written by append above, as JSON arrays of lines.
      return row ? { id: row.id, lines: JSON.parse(row.body) as string[] } : undefined;
    },
    remove(id) {
      const row = countOf.get(id);
      if (!row) return;
      del.run(id);
      depth -= row.line_count;
    },
    depth: () => depth,
    close: () => db.close(),
  };
}
