// TelemetrySink on SQLite, used when no InfluxDB is configured (DESIGN.md § Storage).
// Rows are serialised at once, buffered, and handed to a TelemetryWriter (by default a worker
// thread, see telemetry-writer.ts) one batch at a time: when the buffer reaches `batchSize`
// rows, `flushIntervalMs` after the first buffered row, or at once when someone waits (flush,
// close, a query). Rows that queued meanwhile go in the next batch (up to 20 × batchSize); the
// writer commits a batch in short transactions. When the writer falls behind by more than two
// such batches, the caller waits for it (backpressure: ingest slows to the writer's pace). A
// failed transaction's rows go back to the head of the buffer for a retry (bounded by
// `maxPending`) and are reported, never silently dropped: a flush waiting for a row that is
// dropped rejects (so a QoS 1 publish is not acknowledged), it never resolves.
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Reading } from '../model/reading.js';
import type { Detection } from '../model/detection.js';
import { StoreError } from './errors.js';
import { PendingQueue, type Pending } from './pending-queue.js';
import { RowEncoder, concatRows } from './row-codec.js';
import { detectionValues, prepareTelemetryStatements, readingFromRow, readingValues, type WriteProgress } from './telemetry-rows.js';
import type { TelemetryWriter } from './telemetry-writer.js';
import type { TelemetryQuery, TelemetrySink } from './types.js';

export const DEFAULT_TELEMETRY_QUERY_LIMIT = 5000;
const MAX_TELEMETRY_QUERY_LIMIT = 100_000;
const MAX_RETRY_DELAY_MS = 5000;
const NO_CHUNK = Buffer.alloc(0);

export interface TelemetryStats {
  readingsWritten: number;
  detectionsWritten: number;
  /** Rows accepted and not yet written (buffered or being written). */
  pending: number;
  /** Failed batch writes (each one logged). */
  writeErrors: number;
  /** Rows given up on because failures kept the buffer above maxPending (each one logged). */
  dropped: number;
}

export interface SqliteTelemetrySink extends TelemetrySink {
  readonly name: 'sqlite';
  stats(): TelemetryStats;
  /** Delete readings and detections whose ts is older than now − retention (by the writer). */
  pruneExpired(): Promise<WriteProgress>;
}

export interface SqliteTelemetryOptions {
  now: () => number;
  logger: Logger;
  retentionMs: number;
  batchSize: number;
  flushIntervalMs: number;
  maxPending: number;
}

/** Rows in one write when the writer has fallen behind, as a multiple of batchSize. */
const MAX_BATCH_FACTOR = 20;
/** Rows waiting beyond this many batches make the caller wait for the writer (backpressure). */
const HIGH_WATER_BATCHES = 2;
/** Longest one backpressure wait; beyond it rows queue up to maxPending. */
const BACKPRESSURE_WAIT_MS = 1000;
/** At most one "rows dropped" line per this many ms (each line says how many). */
const DROP_LOG_EVERY_MS = 1000;

/** Build the SQLite TelemetrySink: reads on `db`, writes through `writer`. */
export function createSqliteTelemetrySink(db: Database, writer: TelemetryWriter, o: SqliteTelemetryOptions): SqliteTelemetrySink {
  const st = prepareTelemetryStatements(db);
  const counters = { readingsWritten: 0, detectionsWritten: 0, writeErrors: 0, dropped: 0 };
  const buffer = new PendingQueue();
  const encoder = new RowEncoder();
  /** A row's record, its place filled in by the encoder and its seq when accepted. */
  const pending = (detection: boolean): Pending => ({ seq: 0, detection, chunk: NO_CHUNK, start: 0, end: 0 });
  const maxBatch = o.batchSize * MAX_BATCH_FACTOR;
  const highWater = maxBatch * HIGH_WATER_BATCHES;
  let inFlight: Pending[] | undefined;
  let lastSeq = 0;
  /** The highest seq ever dropped, and the last seq a flush covered when it was called. */
  let droppedThrough = 0;
  let coveredThrough = 0;
  /** flush() callers, each waiting for every row up to its seq. */
  let waiters: Array<{ upTo: number; resolve: () => void; reject: (err: unknown) => void }> = [];
  let timer: NodeJS.Timeout | undefined;
  let retryDelay = o.flushIntervalMs;
  /** After a failed batch, until one succeeds: only the timer (or a flush) sends. */
  let backingOff = false;
  let closed = false;
  let droppedUnlogged = 0;
  let dropLoggedAt = -Infinity;

  const pendingCount = () => buffer.length + (inFlight?.length ?? 0);
  // In-flight rows are older than buffered ones (a failed batch goes back to the front).
  const oldestPending = () => inFlight?.[0]?.seq ?? buffer.first()?.seq ?? Infinity;

  const settle = (err?: unknown) => {
    const oldest = oldestPending();
    const still: typeof waiters = [];
    for (const w of waiters) {
      if (w.upTo < oldest) w.resolve();
      else if (err !== undefined) w.reject(err);
      else still.push(w);
    }
    waiters = still;
  };

  const stopTimer = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  const arm = (delay: number) => {
    if (timer !== undefined) return;
    timer = setTimeout(() => {
      timer = undefined;
      send();
    }, delay);
    timer.unref(); // buffered telemetry must not keep the process alive; close() writes it
  };

  /**
   * Hand the oldest rows to the writer, unless a batch is already on its way: one batch in
   * flight keeps rows in order, and what queues meanwhile goes in the next (bigger) batch.
   */
  function send(): void {
    if (inFlight !== undefined || buffer.length === 0) return;
    stopTimer();
    const batch = buffer.take(maxBatch);
    inFlight = batch;
    const readings: Pending[] = [];
    const detections: Pending[] = [];
    for (const p of batch) (p.detection ? detections : readings).push(p);
    const rows = { readings: readings.length, detections: detections.length };
    writer.write({ readings: concatRows(readings), detections: concatRows(detections) }, (err, progress) => {
      inFlight = undefined;
      if (err === undefined) {
        counters.readingsWritten += rows.readings;
        counters.detectionsWritten += rows.detections;
        retryDelay = o.flushIntervalMs;
        backingOff = false;
        settle();
        if (buffer.length >= o.batchSize || waiters.length > 0 || closed) send();
        else if (buffer.length > 0) arm(o.flushIntervalMs);
        return;
      }
      // What was committed before the failure counts as written; the rest goes back to the front.
      const done = progress ?? { readings: 0, detections: 0 };
      counters.readingsWritten += done.readings;
      counters.detectionsWritten += done.detections;
      let r = 0;
      let d = 0;
      const left = batch.filter((p) => (p.detection ? d++ >= done.detections : r++ >= done.readings));
      buffer.unshift(left);
      backingOff = true;
      counters.writeErrors++;
      o.logger.error({ err, rows: left.length, pending: buffer.length, canRetry: err.canRetry }, 'telemetry batch write failed');
      shed();
      settle(err);
      // Back off so a broken disk is not hammered every 50 ms.
      retryDelay = Math.min(retryDelay * 2, MAX_RETRY_DELAY_MS);
      if (!closed) arm(retryDelay);
    });
  }

  const droppedError = () =>
    new StoreError('dropped', `telemetry buffer above maxPending (${o.maxPending} rows): rows dropped before they were written`, true);

  /** Beyond maxPending rows, the oldest buffered ones are given up on, counted and logged. */
  function shed(): void {
    const over = pendingCount() - o.maxPending;
    if (over <= 0) return;
    const gone = buffer.take(Math.min(over, buffer.length));
    const n = gone.length;
    if (n === 0) return;
    // A flush that waits for a dropped row must never resolve: its caller would ack a lost row.
    const first = gone[0]!.seq;
    droppedThrough = Math.max(droppedThrough, gone[n - 1]!.seq);
    const err = droppedError();
    waiters = waiters.filter((w) => (w.upTo >= first ? (w.reject(err), false) : true));
    counters.dropped += n;
    droppedUnlogged += n;
    const now = performance.now();
    if (now - dropLoggedAt >= DROP_LOG_EVERY_MS) {
      o.logger.error({ dropped: droppedUnlogged, maxPending: o.maxPending }, 'telemetry buffer full: oldest rows dropped');
      droppedUnlogged = 0;
      dropLoggedAt = now;
    }
    settle();
  }

  const accept = (p: Pending): void => {
    p.seq = ++lastSeq;
    buffer.push(p);
    if (buffer.length < o.batchSize || backingOff) arm(retryDelay);
    else {
      send();
      // The writer has fallen behind: wait here for the batch on its way, so ingest slows to the
      // writer's pace (the broker stops reading sockets meanwhile) instead of queueing without end.
      if (buffer.length >= highWater) writer.waitSync(BACKPRESSURE_WAIT_MS);
    }
    if (pendingCount() > o.maxPending) shed();
  };

  const closedError = () => new StoreError('closed', 'telemetry sink is closed');

  /** Resolves when every row accepted so far is written; rejects on the first failed batch. */
  const flushAccepted = (): Promise<void> => {
    const upTo = lastSeq;
    // Rows accepted since the last flush call and dropped before this one: no waiter saw them go,
    // so this flush fails too, once the rows still pending are written (close() must write them).
    const unseenDrop = droppedThrough > coveredThrough;
    coveredThrough = upTo;
    let done = Promise.resolve();
    if (oldestPending() <= upTo) {
      done = new Promise<void>((resolve, reject) => waiters.push({ upTo, resolve, reject }));
      send();
    }
    return unseenDrop ? done.then(() => Promise.reject(droppedError())) : done;
  };

  return {
    name: 'sqlite',
    // Rows are serialised before any is buffered: a value that cannot be stored is refused
    // whole, at the caller, rather than failing a batch later.
    writeReadings(readings: readonly Reading[]) {
      if (closed) throw closedError();
      // Encode all first: a value that cannot be stored refuses the whole call, accepting none.
      for (const row of readings.map((r) => encoder.encode(readingValues(r), pending(false)))) accept(row);
    },
    writeDetections(detections: readonly Detection[]) {
      if (closed) throw closedError();
      for (const row of detections.map((d) => encoder.encode(detectionValues(d), pending(true)))) accept(row);
    },
    async queryReadings(q: TelemetryQuery): Promise<Reading[]> {
      if (closed) throw closedError();
      try {
        await flushAccepted(); // so a reading accepted just now is visible
      } catch {
        // Logged and counted; answer with what is stored rather than fail the read.
      }
      const devices = q.deviceIds && q.deviceIds.length > 0 ? JSON.stringify(q.deviceIds) : null;
      const grid = q.grid ?? null;
      const shape = devices !== null ? (grid !== null ? 'both' : 'devices') : grid !== null ? 'grid' : 'none';
      const limit = Math.min(MAX_TELEMETRY_QUERY_LIMIT, Math.max(1, Math.trunc(q.limit ?? DEFAULT_TELEMETRY_QUERY_LIMIT)));
      const rows = st.query[shape].all({ devices, grid, from: q.from, to: q.to, limit });
      return rows.map(readingFromRow);
    },
    flush: flushAccepted,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await flushAccepted();
      } catch (err) {
        stopTimer();
        o.logger.error({ lost: pendingCount() }, 'telemetry sink closed with rows it could not write');
        throw err;
      } finally {
        await writer.close();
      }
    },
    // Incident events already live in SQLite's append-only incident_events table.
    writeIncidentEvents() {},
    health: () => ({
      name: 'sqlite',
      ok: !closed,
      state: closed ? 'closed' : 'ok',
      queued: pendingCount(),
      written: counters.readingsWritten + counters.detectionsWritten,
      failed: counters.dropped,
      spooled: 0,
    }),
    stats: () => ({ ...counters, pending: pendingCount() }),
    pruneExpired: () => writer.prune(o.now() - o.retentionMs),
  };
}
