import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE_NAME, openSqliteStore } from '../../../store/index.js';
import { MIGRATIONS } from '../../../store/migrations.js';
import { T0, captureLogger, makeDetection, makeReading, tempDir } from './fixtures.js';
import type { LogMessage } from '../../../model/index.js';

const DAY = 24 * 3_600_000;

describe('openSqliteStore', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());

  it('creates the data folder and citysense.db in WAL mode with the latest schema', async () => {
    const dataDir = path.join(tmp.dir, 'nested', 'data');
    const store = openSqliteStore({ dataDir, logger: captureLogger().logger });
    const health = store.health();
    expect(health).toMatchObject({
      ok: true,
      path: path.join(dataDir, DB_FILE_NAME),
      journalMode: 'wal',
      schemaVersion: MIGRATIONS.at(-1)?.version,
    });
    expect(fs.existsSync(path.join(dataDir, DB_FILE_NAME))).toBe(true);
    await store.close();
    await store.close(); // idempotent
    expect(store.health()).toMatchObject({ ok: false, error: 'closed' });
  });

  it('opens an in-memory database for tests', async () => {
    const store = openSqliteStore({ path: ':memory:', logger: captureLogger().logger });
    expect(store.health()).toMatchObject({ ok: true, path: ':memory:' });
    await store.close();
  });

  it('reopens an existing database without re-running migrations', async () => {
    const first = openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger });
    first.alertLog.append({ type: 'alert' } as object as LogMessage);
    await first.close();
    const again = openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger });
    expect(again.alertLog.lastSeq()).toBe(1);
    await again.close();
  });

  it('refuses a database whose schema is newer than this build', () => {
    const file = path.join(tmp.dir, DB_FILE_NAME);
    const db = new Database(file);
    db.pragma('user_version = 999');
    db.close();
    expect(() => openSqliteStore({ path: file, logger: captureLogger().logger })).toThrow(/newer than this build/);
  });

  it('refuses options without a location, naming the field', () => {
    expect(() => openSqliteStore({ logger: captureLogger().logger })).toThrow(/dataDir/);
    expect(() => openSqliteStore({ path: ':memory:', telemetryRetentionMs: -1 })).toThrow(/telemetryRetentionMs/);
  });

  it('prunes telemetry past retention at open and on demand, by the injected clock', async () => {
    let now = T0 + 10 * DAY;
    const opts = { dataDir: tmp.dir, logger: captureLogger().logger, now: () => now, telemetryRetentionMs: 7 * DAY };
    const store = openSqliteStore(opts);
    store.telemetry.writeReadings([
      makeReading({ ts: T0 + 2 * DAY }), // 8 days old: already expired
      makeReading({ ts: T0 + 4 * DAY }),
      makeReading({ ts: T0 + 9 * DAY }),
    ]);
    store.telemetry.writeDetections([makeDetection({ ts: T0 + 2 * DAY }), makeDetection({ ts: T0 + 9 * DAY })]);
    await store.telemetry.flush();
    expect(await store.maintain()).toEqual({ readings: 1, detections: 1, alertLog: 0 });
    const all = { from: 0, to: T0 + 100 * DAY };
    expect((await store.telemetry.queryReadings(all)).map((r) => (r.ts - T0) / DAY)).toEqual([4, 9]);
    await store.close();

    now = T0 + 12 * DAY; // the 4-day reading is 8 days old now: pruned at open
    const reopened = openSqliteStore(opts);
    expect((await reopened.telemetry.queryReadings(all)).map((r) => (r.ts - T0) / DAY)).toEqual([9]);
    expect(await reopened.maintain()).toEqual({ readings: 0, detections: 0, alertLog: 0 });
    await reopened.close();
  });

  it('prunes large expired sets in chunks until none is left', async () => {
    const store = openSqliteStore({ path: ':memory:', logger: captureLogger().logger, now: () => T0 });
    store.telemetry.writeReadings(Array.from({ length: 25_000 }, (_, n) => makeReading({ ts: T0 - 8 * DAY - n })));
    store.telemetry.writeReadings([makeReading({ ts: T0 })]);
    await store.telemetry.flush();
    expect((await store.maintain()).readings).toBe(25_000);
    expect(await store.telemetry.queryReadings({ from: 0, to: T0 })).toHaveLength(1);
    await store.close();
  });
});
