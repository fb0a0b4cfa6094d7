import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TELEMETRY_DB_FILE_NAME, openSqliteStore, type OpenSqliteStoreOptions, type SqliteStore } from '../../../store/index.js';
import { ROWS_PER_TRANSACTION } from '../../../store/telemetry-rows.js';
import { T0, captureLogger, makeDetection, makeReading, tempDir } from './fixtures.js';

describe('SQLite TelemetrySink', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  const open = (extra: Partial<OpenSqliteStoreOptions> = {}) =>
    // The clock stays at the fixtures' time, so retention at open keeps their readings.
    openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger, now: () => T0, ...extra });
  beforeEach(() => {
    tmp = tempDir();
    store = open();
  });
  afterEach(async () => {
    await store.close();
    tmp.remove();
  });

  it('is named sqlite', () => {
    expect(store.telemetry.name).toBe('sqlite');
  });

  // Both writers: the worker thread (the default for a file) and the store's own connection.
  it.each(['worker', 'inline'] as const)(
    'loses nothing on close (%s writer): 10,000 readings written then closed are all there after reopen',
    async (telemetryWriter) => {
      await store.close();
      store = open({ telemetryWriter });
      const readings = Array.from({ length: 10_000 }, (_, n) => makeReading({ ts: T0 + n, deviceId: `s-${n % 7}`, metrics: { n } }));
      // Small calls as ingest makes them, so most rows wait in the buffer, the timer or the writer.
      for (let n = 0; n < readings.length; n += 3) store.telemetry.writeReadings(readings.slice(n, n + 3));
      store.telemetry.writeDetections([makeDetection()]);
      expect(store.telemetry.stats().pending).toBeGreaterThan(0);
      await store.close();

      store = open();
      const back = await store.telemetry.queryReadings({ from: T0, to: T0 + 10_000, limit: 20_000 });
      expect(back).toHaveLength(10_000);
      expect(back.map((r) => r.metrics.n)).toEqual(readings.map((r) => r.metrics.n));
      expect(back[42]).toEqual(readings[42]);
      const file = new Database(path.join(tmp.dir, TELEMETRY_DB_FILE_NAME), { readonly: true });
      expect(file.prepare('SELECT count(*) AS n FROM detections').get()).toEqual({ n: 1 });
      file.close();
    },
  );

  it('shows a query every reading accepted before it, while writes go on', async () => {
    let n = 0;
    const write = (count: number) => {
      for (let i = 0; i < count; i++, n++) store.telemetry.writeReadings([makeReading({ ts: T0 + n })]);
    };
    for (let round = 0; round < 5; round++) {
      write(700); // more than a batch: one is on its way to the writer while the rest wait
      const asked = n;
      const query = store.telemetry.queryReadings({ from: T0, to: T0 + 100_000, limit: 100_000 });
      write(300); // accepted after the query was asked: it may or may not see them
      const seen = await query;
      expect(seen.length).toBeGreaterThanOrEqual(asked);
      expect(seen.slice(0, asked).map((r) => r.ts - T0)).toEqual(Array.from({ length: asked }, (_, i) => i));
    }
  });

  it('flushes a full buffer in batches and counts what it wrote', async () => {
    await store.close();
    store = open({ telemetryBatchSize: 100, telemetryFlushIntervalMs: 60_000 });
    store.telemetry.writeReadings(Array.from({ length: 250 }, (_, n) => makeReading({ ts: T0 + n })));
    // 250 rows reached the batch size: written at once, not after the (long) timer (the first
    // 100 as one batch, the 150 that queued meanwhile as the next).
    await expect.poll(() => store.telemetry.stats().readingsWritten, { timeout: 10_000 }).toBe(250);
    expect(store.telemetry.stats()).toMatchObject({ pending: 0, writeErrors: 0 });
    store.telemetry.writeReadings([makeReading()]);
    store.telemetry.writeDetections([makeDetection(), makeDetection({ id: 'det-2' })]);
    expect(store.telemetry.stats()).toMatchObject({ readingsWritten: 250, detectionsWritten: 0, pending: 3 });
    await store.telemetry.flush();
    expect(store.telemetry.stats()).toMatchObject({ readingsWritten: 251, detectionsWritten: 2, pending: 0 });
  });

  it('makes the caller wait when the writer thread falls behind, instead of queueing without end', async () => {
    await store.close();
    store = open({ telemetryBatchSize: 10, telemetryFlushIntervalMs: 60_000 });
    // One synchronous burst: without backpressure no batch could settle before it ends, and all
    // 20,000 rows would be pending. With it, at most two big batches (2 × 20 × 10) wait, plus one on its way.
    let most = 0;
    for (let n = 0; n < 20_000; n++) {
      store.telemetry.writeReadings([makeReading({ ts: T0 + n })]);
      most = Math.max(most, store.telemetry.stats().pending);
    }
    expect(most).toBeLessThanOrEqual(600);
    await store.telemetry.flush();
    expect(store.telemetry.stats()).toMatchObject({ readingsWritten: 20_000, pending: 0, dropped: 0 });
  });

  it('flushes a small buffer on its timer', async () => {
    store.telemetry.writeReadings([makeReading()]);
    expect(store.telemetry.stats().pending).toBe(1);
    await expect.poll(() => store.telemetry.stats().pending, { timeout: 5000 }).toBe(0);
    expect(store.telemetry.stats().readingsWritten).toBe(1);
  });

  it('reports a failed batch, keeps its rows, and writes them once the fault is gone', async () => {
    await store.close();
    const { logger, lines } = captureLogger();
    store = open({ logger, telemetryFlushIntervalMs: 60_000 });
    const other = new Database(path.join(tmp.dir, TELEMETRY_DB_FILE_NAME));
    other.exec("CREATE TRIGGER fail_readings BEFORE INSERT ON readings BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    store.telemetry.writeReadings([makeReading({ ts: T0 + 1 }), makeReading({ ts: T0 + 2 })]);
    await expect(store.telemetry.flush()).rejects.toMatchObject({ code: 'write_failed' });
    expect(store.telemetry.stats()).toMatchObject({ writeErrors: 1, pending: 2, readingsWritten: 0 });
    expect(lines.some((l) => l.level === 50 && l.msg === 'telemetry batch write failed')).toBe(true);

    other.exec('DROP TRIGGER fail_readings');
    other.close();
    await store.telemetry.flush();
    expect(store.telemetry.stats()).toMatchObject({ writeErrors: 1, pending: 0, readingsWritten: 2 });
    expect(await store.telemetry.queryReadings({ from: T0, to: T0 + 10 })).toHaveLength(2);
  });

  it('keeps what a failing batch committed before the failure, and retries only the rest', async () => {
    await store.close();
    const total = ROWS_PER_TRANSACTION + 244;
    const failing = ROWS_PER_TRANSACTION + 44;
    store = open({ telemetryBatchSize: 4 * ROWS_PER_TRANSACTION, telemetryFlushIntervalMs: 60_000 });
    const other = new Database(path.join(tmp.dir, TELEMETRY_DB_FILE_NAME));
    // One row of the second transaction fails: the first (a full transaction of rows) is committed, the second is not.
    other.exec(
      `CREATE TRIGGER fail_one BEFORE INSERT ON readings WHEN NEW.ts = ${T0 + failing} BEGIN SELECT RAISE(ABORT, 'row ${failing}'); END`,
    );
    store.telemetry.writeReadings(Array.from({ length: total }, (_, n) => makeReading({ ts: T0 + n })));
    await expect(store.telemetry.flush()).rejects.toMatchObject({ code: 'write_failed' });
    expect(store.telemetry.stats()).toMatchObject({ readingsWritten: ROWS_PER_TRANSACTION, pending: 244, writeErrors: 1 });
    other.exec('DROP TRIGGER fail_one');
    other.close();
    await store.telemetry.flush();
    const back = await store.telemetry.queryReadings({ from: T0, to: T0 + total });
    expect(back.map((r) => r.ts - T0)).toEqual(Array.from({ length: total }, (_, n) => n)); // each once, in order
  });

  it('drops only beyond maxPending while writes fail, and says so', async () => {
    await store.close();
    const { logger, lines } = captureLogger();
    store = open({ logger, telemetryBatchSize: 100, telemetryMaxPending: 5, telemetryFlushIntervalMs: 60_000 });
    const other = new Database(path.join(tmp.dir, TELEMETRY_DB_FILE_NAME));
    other.exec("CREATE TRIGGER fail_readings BEFORE INSERT ON readings BEGIN SELECT RAISE(ABORT, 'full'); END");
    for (let n = 0; n < 5; n++) store.telemetry.writeReadings([makeReading({ ts: T0 + n })]);
    await expect(store.telemetry.flush()).rejects.toMatchObject({ code: 'write_failed' });
    expect(store.telemetry.stats()).toMatchObject({ pending: 5, dropped: 0, writeErrors: 1 });
    // The failed batch is kept; rows beyond maxPending push out the oldest.
    for (let n = 5; n < 8; n++) store.telemetry.writeReadings([makeReading({ ts: T0 + n })]);
    expect(store.telemetry.stats()).toMatchObject({ pending: 5, dropped: 3 });
    expect(lines.some((l) => l.level === 50 && l.dropped === 1)).toBe(true);
    other.exec('DROP TRIGGER fail_readings');
    other.close();
    await store.telemetry.flush();
    // The oldest were dropped; the newest five are stored.
    const back = await store.telemetry.queryReadings({ from: T0, to: T0 + 10 });
    expect(back.map((r) => r.ts - T0)).toEqual([3, 4, 5, 6, 7]);
  });

  it('never resolves a flush whose rows were dropped: it rejects with code dropped (its caller must not ack them)', async () => {
    await store.close();
    store = open({ telemetryBatchSize: 100, telemetryMaxPending: 6, telemetryFlushIntervalMs: 60_000 });
    const t = store.telemetry;
    const row = (n: number) => makeReading({ ts: T0 + n, metrics: { n } });
    // All in one turn of the event loop, so the worker thread is still writing the first batch.
    t.writeReadings([1, 2, 3, 4, 5].map(row));
    const first = t.flush(); // rows 1–5 go to the writer
    t.writeReadings([row(6)]);
    const sixth = t.flush(); // waits for row 6, still buffered
    const outcome = sixth.then(
      () => 'resolved',
      (err: unknown) => err,
    );
    t.writeReadings([row(7)]); // 5 in flight + 2 buffered > maxPending: row 6 is dropped
    expect(t.stats()).toMatchObject({ dropped: 1 });
    t.writeReadings([row(8)]); // row 7 is dropped with no flush waiting for it…
    const late = t.flush().then(
      () => 'resolved',
      (err: unknown) => err,
    ); // …so the next flush, whose range holds it, rejects too
    await expect(first).resolves.toBeUndefined();
    expect(await outcome).toMatchObject({ name: 'StoreError', code: 'dropped', canRetry: true });
    expect(await late).toMatchObject({ code: 'dropped' });
    expect(t.stats().pending).toBe(0); // it failed only once row 8, still pending, was written
    t.writeReadings([row(9)]);
    await expect(t.flush()).resolves.toBeUndefined(); // nothing dropped since the last flush
    const back = await t.queryReadings({ from: T0, to: T0 + 10 });
    expect(back.map((r) => r.metrics.n)).toEqual([1, 2, 3, 4, 5, 8, 9]);
  });

  it('refuses writes after close', async () => {
    await store.telemetry.close();
    expect(() => store.telemetry.writeReadings([makeReading()])).toThrow(expect.objectContaining({ code: 'closed' }));
  });
});
