// The write turn shared by the store's connection (main thread) and the telemetry writer
// thread (store/write-turn.ts), with a real second thread, and the batch writer's early commit.
import { once } from 'node:events';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { TELEMETRY_DB_FILE_NAME, openSqliteStore } from '../../../store/index.js';
import { RowEncoder, concatRows } from '../../../store/row-codec.js';
import { createBatchWriter, readingValues, YIELD_CHECK_ROWS } from '../../../store/telemetry-rows.js';
import { newTurnState, noTurn, releaseIfHeldBy, writeTurn } from '../../../store/write-turn.js';
import { T0, captureLogger, makeEvent, makeIncident, makeReading, tempDir } from './fixtures.js';

const workers: Worker[] = [];
afterEach(async () => {
  await Promise.all(workers.splice(0).map((w) => w.terminate()));
});

/** The writer's side of `state` in a thread of its own, running one scenario of turn-worker.mjs; `shared` is the scenario's marks. */
function writerThread(scenario: string, state = newTurnState()) {
  const shared = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(new URL('./turn-worker.mjs', import.meta.url), { workerData: { state, shared, scenario } });
  workers.push(worker);
  const next = (msg: string) =>
    new Promise<void>((resolve, reject) => {
      const on = (m: unknown) => {
        if (m !== msg) return;
        worker.off('message', on);
        resolve();
      };
      worker.on('message', on);
      worker.once('error', reject);
    });
  return { worker, next, state, shared };
}

describe('write turn', () => {
  it('makes a write on the main thread wait for the writer thread’s transaction, and lets it in when that ends', async () => {
    const writer = writerThread('hold-then-mark');
    const { state, shared } = writer;
    const released = writer.next('released');
    await writer.next('holding');
    // The writer marks shared[0] only at the end of its 100 ms turn: seen here means we waited for it.
    const seen = writeTurn(state, 'main', 60_000)(() => Atomics.load(shared, 0));
    expect(seen).toBe(1);
    await released;
  });

  it('lets a waiting main thread in before the writer’s next transaction, however fast the writer loops', async () => {
    const writer = writerThread('back-to-back');
    const { state, shared } = writer;
    const done = writer.next('done');
    await writer.next('looping');
    await new Promise((r) => setTimeout(r, 20)); // well inside the loop of 200 × 2 ms
    const before = Atomics.load(shared, 0);
    const during = writeTurn(state, 'main', 60_000)(() => Atomics.load(shared, 0));
    expect(before).toBeLessThan(200);
    // The transaction under way when we asked, and at most one that began as we asked.
    expect(during - before).toBeLessThanOrEqual(2);
    await done;
    expect(Atomics.load(shared, 0)).toBe(200);
  });

  it('nests on the main thread, and gives the turn back after the outermost hold', async () => {
    const state = newTurnState();
    const hold = writeTurn(state, 'main', 60_000);
    expect(hold(() => hold(() => hold(() => 42)))).toBe(42);
    const writer = writerThread('hold-then-mark', state);
    await writer.next('released'); // would wait forever if the turn were still held
  });

  it('is advisory: a turn never given back delays a write by its bound, then the write goes ahead; a dead holder’s turn can be freed', async () => {
    const writer = writerThread('hold-forever');
    const { state } = writer;
    await writer.next('holding');
    expect(writeTurn(state, 'main', 50)(() => 'written anyway')).toBe('written anyway');
    await writer.worker.terminate();
    releaseIfHeldBy(state, 'writer');
    // A bound of a minute: this returns at once only because the turn is free again.
    expect(writeTurn(state, 'main', 60_000)(() => 'at once')).toBe('at once');
  });
});

describe('telemetry batch writer', () => {
  const writeWithFailureAt = (othersWaiting: () => boolean) => {
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
      expect(() => createBatchWriter(db, noTurn, othersWaiting)({ readings, detections: concatRows([]) }, progress)).toThrow(/row 40/);
      const stored = db.prepare('SELECT count(*) AS n FROM readings').get() as { n: number };
      db.close();
      return { progress: progress.readings, stored: stored.n };
    } finally {
      tmp.remove();
    }
  };

  it('writes a batch in one transaction while nobody waits for the turn', () => {
    expect(writeWithFailureAt(() => false)).toEqual({ progress: 0, stored: 0 });
  });

  it('commits early, every few rows, while the main thread waits for its turn', () => {
    // Rows 0–31 went in two early commits; the transaction holding row 40 failed as a whole.
    const committed = Math.floor(40 / YIELD_CHECK_ROWS) * YIELD_CHECK_ROWS;
    expect(writeWithFailureAt(() => true)).toEqual({ progress: committed, stored: committed });
  });
});

describe('the store and its writer thread', () => {
  it('never makes an incident write wait for telemetry: the two live in files of their own', async () => {
    const tmp = tempDir();
    // A long busy timeout: an incident write that waited for the telemetry file's lock would hang the test.
    const store = openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger, now: () => T0, telemetryBatchSize: 100, busyTimeoutMs: 60_000 });
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
        return store.alertLog.append({ type: 'incident', incident: { id: incident.id } });
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
});
