// The telemetry writer: batches in long transactions, the only writer of the telemetry file
// (retention included), and never in the way of the store's own writes.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { DB_FILE_NAME, TELEMETRY_DB_FILE_NAME, openSqliteStore } from '../../../store/index.js';
import { RowEncoder, concatRows } from '../../../store/row-codec.js';
import { createBatchWriter, readingValues } from '../../../store/telemetry-rows.js';
import { T0, captureLogger, makeEvent, makeIncident, makeReading, tempDir } from './fixtures.js';
import type { LogMessage } from '../../../model/index.js';

const DAY = 86_400_000;

describe('telemetry batch writer', () => {
  it('writes a batch of up to ROWS_PER_TRANSACTION rows in one transaction: a failing row stores none of it', () => {
    const tmp = tempDir();
    try {
      // The store creates the schema; then a second connection writes as the writer thread does.
      const store = openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger, now: () => T0, telemetryWriter: 'inline' });
      void store.close();
      const db = new Database(path.join(tmp.dir, TELEMETRY_DB_FILE_NAME));
      db.exec(`CREATE TRIGGER fail_40 BEFORE INSERT ON readings WHEN NEW.ts = ${T0 + 40} BEGIN SELECT RAISE(ABORT, 'row 40'); END`);
      const encoder = new RowEncoder();
      const readings = concatRows(Array.from({ length: 100 }, (_, n) => encoder.encode(readingValues(makeReading({ ts: T0 + n })))));
      const progress = { readings: 0, detections: 0 };
      expect(() => createBatchWriter(db)({ readings, detections: concatRows([]) }, progress)).toThrow(/row 40/);
      const stored = db.prepare('SELECT count(*) AS n FROM readings').get() as { n: number };
      db.close();
      expect({ progress: progress.readings, stored: stored.n }).toEqual({ progress: 0, stored: 0 });
    } finally {
      tmp.remove();
    }
  });
});

describe('the store and its writer thread', () => {
  it('never makes an incident write wait for telemetry: the two live in files of their own', async () => {
    const tmp = tempDir();
    // A long busy timeout: an incident write that waited for the telemetry file's lock would hang the test.
    const store = openSqliteStore({
      dataDir: tmp.dir,
      logger: captureLogger().logger,
      now: () => T0,
      telemetryBatchSize: 100,
      busyTimeoutMs: 60_000,
    });
    const other = new Database(path.join(tmp.dir, TELEMETRY_DB_FILE_NAME));
    const count = () => (other.prepare('SELECT count(*) AS n FROM readings').get() as { n: number }).n;
    try {
      store.telemetry.writeReadings([makeReading({ ts: T0 - 1 })]);
      await store.telemetry.flush();
      // Another writer holds the telemetry file: the writer thread's batches wait for it.
      other.exec('BEGIN IMMEDIATE');
      store.telemetry.writeReadings(Array.from({ length: 300 }, (_, n) => makeReading({ ts: T0 + n })));
      const incident = makeIncident();
      const seq = store.writeTransaction(() => {
        store.incidents.insertIncident(incident, makeEvent(incident.id));
        return store.alertLog.append({ type: 'incident', incident: { id: incident.id } } as object as LogMessage);
      });
      expect(seq).toBe(1);
      expect(store.incidents.getIncident(incident.id)?.id).toBe(incident.id);
      expect(count()).toBe(1);
      other.exec('COMMIT');
      await store.telemetry.flush();
      expect(count()).toBe(301);
    } finally {
      other.close();
      await store.close();
      tmp.remove();
    }
  });

  it('runs retention in the writer thread, between the batches that keep coming', async () => {
    const tmp = tempDir();
    const now = T0 + 10 * DAY;
    const store = openSqliteStore({
      dataDir: tmp.dir,
      logger: captureLogger().logger,
      now: () => now,
      telemetryRetentionMs: 7 * DAY,
      telemetryBatchSize: 500,
    });
    try {
      // More expired rows than one retention chunk, so the writer yields to batches between chunks.
      store.telemetry.writeReadings(Array.from({ length: 12_000 }, (_, n) => makeReading({ ts: T0 + n })));
      await store.telemetry.flush();
      const pruning = store.maintain();
      store.telemetry.writeReadings(Array.from({ length: 2_000 }, (_, n) => makeReading({ ts: now - n })));
      expect(await pruning).toEqual({ readings: 12_000, detections: 0, alertLog: 0 });
      await store.telemetry.flush();
      expect(await store.telemetry.queryReadings({ from: 0, to: now, limit: 20_000 })).toHaveLength(2_000);
    } finally {
      await store.close();
      tmp.remove();
    }
  });

  it('checkpoints the store file off the main thread every second, telemetry or not', async () => {
    // With InfluxDB as the telemetry store no row ever reaches the writer thread; the store's
    // WAL must still be copied back in small steps, not by a 40 MB checkpoint inside an incident commit.
    const tmp = tempDir();
    const store = openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger, now: () => T0 });
    const size = () => fs.statSync(path.join(tmp.dir, DB_FILE_NAME)).size;
    try {
      const before = size();
      for (let n = 0; n < 200; n++) {
        const incident = makeIncident({ id: `inc-${n}`, dedupKey: `k-${n}`, title: 'x'.repeat(2000) });
        store.writeTransaction(() => store.incidents.insertIncident(incident, makeEvent(incident.id)));
      }
      // Pages reach the database file only through a checkpoint: until then they are in the WAL.
      // (Polled to the end: the file grows while a checkpoint copies the pages.)
      const written = before + 200 * 2000;
      const deadline = Date.now() + 5000;
      while (size() <= written && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      expect(size()).toBeGreaterThan(written);
    } finally {
      await store.close();
      tmp.remove();
    }
  });

  it('a close during retention stops it between chunks, as a close, not a failure', async () => {
    const tmp = tempDir();
    const now = T0 + 10 * DAY;
    const { logger, lines } = captureLogger();
    const store = openSqliteStore({ dataDir: tmp.dir, logger, now: () => now, telemetryRetentionMs: 7 * DAY, telemetryBatchSize: 5000 });
    try {
      // Five retention chunks: the close reaches the writer thread between two of them.
      store.telemetry.writeReadings(Array.from({ length: 50_000 }, (_, n) => makeReading({ ts: T0 + n })));
      await store.telemetry.flush();
      const pruning = store.maintain();
      await store.close();
      await expect(pruning).rejects.toMatchObject({ name: 'StoreError', code: 'closed' });
      expect(lines.filter((l) => (l.level as number) >= 50)).toEqual([]);
    } finally {
      await store.close();
      tmp.remove();
    }
  });
});
