// Migration 5: a store file of version ≤ 4 holds readings and detections itself; opening it
// moves them to the telemetry file beside it, once, even when a first attempt was cut short.
import { rmSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DB_FILE_NAME, TELEMETRY_DB_FILE_NAME, openSqliteReadingsReader, openSqliteStore } from '../../../store/index.js';
import { MIGRATIONS, migrate, openTelemetryDb, telemetryCopyKey, telemetryFileFor } from '../../../store/migrations.js';
import { T0, captureLogger, makeDetection, makeReading, tempDir } from './fixtures.js';

let tmp: ReturnType<typeof tempDir>;
afterEach(() => tmp?.remove());

/** A store file as version 4 left it: readings and detections in it. */
function oldStore(file: string, readings: number): void {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  migrate(
    db,
    MIGRATIONS.filter((m) => m.version <= 4),
  );
  const insert = db.prepare(
    'INSERT INTO readings (ts, device_id, kind, channel, district, grid, lat, lon, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  for (let n = 0; n < readings; n++) {
    const r = makeReading({ ts: T0 + n });
    insert.run(
      r.ts,
      r.deviceId,
      r.kind,
      r.channel,
      r.district ?? null,
      r.grid ?? null,
      r.loc?.lat ?? null,
      r.loc?.lon ?? null,
      JSON.stringify(r),
    );
  }
  const d = makeDetection({ ts: T0 });
  db.prepare(
    'INSERT INTO detections (ts, id, rule_id, device_id, severity, category, district, grid, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
  ).run(d.ts, d.id, d.ruleId, d.deviceId, d.severity, d.category, d.district ?? null, d.grid ?? null, JSON.stringify(d));
  db.close();
}

const tables = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as Array<{ name: string }>).map(
      (r) => r.name,
    );
  } finally {
    db.close();
  }
};
const count = (file: string, table: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
  } finally {
    db.close();
  }
};

describe('telemetry in a file of its own (migration 5)', () => {
  it('names the telemetry file after the store file', () => {
    expect(telemetryFileFor('/d/citysense.db')).toBe(path.join('/d', TELEMETRY_DB_FILE_NAME));
    expect(telemetryFileFor('/d/x.sqlite')).toBe('/d/x-telemetry.db');
    expect(telemetryFileFor(':memory:')).toBe(':memory:');
  });

  it('moves an older store’s readings and detections to the telemetry file, in order, and drops them from the store', async () => {
    tmp = tempDir();
    const file = path.join(tmp.dir, DB_FILE_NAME);
    oldStore(file, 50);
    const { logger, lines } = captureLogger();
    const store = openSqliteStore({ dataDir: tmp.dir, logger, now: () => T0 });
    // A big store takes a while: the operator is told before and after.
    expect(lines.filter((l) => l.readings === 50).map((l) => l.msg)).toEqual([
      expect.stringMatching(/^moving telemetry to its own file/),
      'telemetry moved',
    ]);
    try {
      const back = await store.telemetry.queryReadings({ from: T0, to: T0 + 100 });
      expect(back.map((r) => r.ts - T0)).toEqual(Array.from({ length: 50 }, (_, n) => n));
      expect(store.health()).toMatchObject({
        ok: true,
        schemaVersion: MIGRATIONS.at(-1)!.version,
        telemetryPath: path.join(tmp.dir, TELEMETRY_DB_FILE_NAME),
      });
    } finally {
      await store.close();
    }
    expect(tables(file)).not.toContain('readings');
    expect(tables(file)).not.toContain('detections');
    expect(count(path.join(tmp.dir, TELEMETRY_DB_FILE_NAME), 'detections')).toBe(1);
  });

  it('does not copy twice when a first move was cut short after its copy committed', async () => {
    tmp = tempDir();
    const file = path.join(tmp.dir, DB_FILE_NAME);
    oldStore(file, 20);
    // The copy and its note committed in the telemetry file; the store's drop did not (a crash between).
    const store4 = new Database(file);
    store4.prepare('ATTACH DATABASE ? AS telemetry').run(openAndClose(telemetryFileFor(file)));
    store4.exec('INSERT INTO telemetry.readings SELECT * FROM main.readings');
    store4.prepare('INSERT INTO telemetry.copied_from (source, at) VALUES (?, 0)').run(telemetryCopyKey(store4));
    store4.close();
    const store = openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger, now: () => T0 });
    try {
      expect(await store.telemetry.queryReadings({ from: T0, to: T0 + 100 })).toHaveLength(20);
    } finally {
      await store.close();
    }
    expect(tables(file)).not.toContain('readings');
  });

  it('copies a restored older store too, though a copy of the same file was made before', async () => {
    tmp = tempDir();
    const file = path.join(tmp.dir, DB_FILE_NAME);
    oldStore(file, 5);
    await openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger, now: () => T0 }).close();
    // A backup of the store from before the move, with other readings, is put back.
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    oldStore(file, 8);
    const store = openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger, now: () => T0 });
    try {
      expect(await store.telemetry.queryReadings({ from: T0, to: T0 + 100 })).toHaveLength(5 + 8);
    } finally {
      await store.close();
    }
  });

  it('lets citysense rules replay read a store not yet moved (read-only), and the moved one after', async () => {
    tmp = tempDir();
    oldStore(path.join(tmp.dir, DB_FILE_NAME), 10);
    const before = openSqliteReadingsReader(tmp.dir);
    expect([...before.readings(T0, T0 + 100)]).toHaveLength(10);
    before.close();
    await openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger, now: () => T0 }).close();
    const after = openSqliteReadingsReader(tmp.dir);
    expect(after.path).toBe(path.join(tmp.dir, TELEMETRY_DB_FILE_NAME));
    expect([...after.readings(T0, T0 + 100)].map((r) => r.ts - T0)).toEqual(Array.from({ length: 10 }, (_, n) => n));
    after.close();
  });

  it('leaves a new store without telemetry tables, and its telemetry file with them', async () => {
    tmp = tempDir();
    const store = openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger, now: () => T0 });
    store.telemetry.writeReadings([makeReading({ ts: T0 })]);
    await store.close();
    expect(tables(path.join(tmp.dir, DB_FILE_NAME))).not.toContain('readings');
    expect(count(path.join(tmp.dir, TELEMETRY_DB_FILE_NAME), 'readings')).toBe(1);
  });
});

/** Create (and migrate) the telemetry file, and give back its path. */
function openAndClose(file: string): string {
  openTelemetryDb(file, 5000).close();
  return file;
}
