// TelemetrySink on PostgreSQL, on an async pg.Pool: the hot path only buffers. Rows are turned
// into column values at once (an unstorable value is refused at the caller), buffered, and
// written a batch at a time: when the buffer reaches `batchSize` rows, `flushIntervalMs` after
// the first buffered row, or at once when someone waits (flush, close, a query). A batch is one
// multi-row INSERT per table in one transaction; rows already stored are skipped, so a batch
// that is written again (after a lost connection, or by another node) stores nothing twice.
//
// Nothing is dropped silently. A batch that fails for a passing reason (the connection, a
// deadlock) goes back to the front of the buffer and is retried with backoff; one the server
// refuses for good (a missing table) is counted in health().failed, and so is the one row a
// data error is narrowed down to (the batch is split in halves until it is found). Either way
// every flush waiting for those rows rejects, and so does the first flush after rows were lost
// that no waiting flush saw go.
import type { Logger } from 'pino';
import type pg from 'pg';
import type { Detection } from '../../model/detection.js';
import type { Reading } from '../../model/reading.js';
import { StoreError, isTransientPgCode, type PgError } from '../errors.js';
import type { TelemetryStats } from '../sqlite-telemetry.js';
import type { IncidentEventRecord, TelemetryQuery, TelemetrySink } from '../types.js';
import { createBatchWriter, type BatchRow } from './telemetry-batch.js';
import {
  READING_COLUMNS,
  detectionRow,
  incidentEventRow,
  readingOf,
  readingRow,
  type ReadingRow,
  type RowValues,
  type TelemetryTable,
} from './telemetry-rows.js';

const DEFAULT_QUERY_LIMIT = 5000;
const MAX_QUERY_LIMIT = 100_000;
const MAX_RETRY_DELAY_MS = 5000;
/** Rows in one write when the writer has fallen behind, as a multiple of batchSize. */
const MAX_BATCH_FACTOR = 20;
/** Rows deleted per retention statement: short ones, so batches are written in between. */
const PRUNE_CHUNK = 10_000;

export interface PgTelemetryStats extends TelemetryStats {
  /** Rows the server refused for good (a data error in the row, a missing table), each batch logged. */
  refused: number;
}

export interface PgTelemetrySink extends TelemetrySink {
  readonly name: 'postgres';
  stats(): PgTelemetryStats;
  /** Delete readings and detections whose ts is older than now − retention. */
  pruneExpired(): Promise<{ readings: number; detections: number }>;
}

export interface PgTelemetryOptions {
  now: () => number;
  logger: Logger;
  retentionMs: number;
  batchSize: number;
  flushIntervalMs: number;
  /** Rows kept buffered while writes fail; beyond it the oldest are dropped, counted and logged. */
  maxPending: number;
}

/** An accepted row; `seq` orders them, so a flush waits for exactly what came before it. */
interface Row extends BatchRow {
  seq: number;
}

type Waiter = { upTo: number; resolve: () => void; reject: (err: unknown) => void };

/** Build the sink over `pool` (its bigint columns parsed as numbers). */
export function createPgTelemetrySink(pool: pg.Pool, o: PgTelemetryOptions): PgTelemetrySink {
  const counters = { readingsWritten: 0, detectionsWritten: 0, writeErrors: 0, dropped: 0, refused: 0 };
  let buffer: Row[] = [];
  let inFlight: Row[] | undefined;
  let lastSeq = 0;
  /** The highest seq refused or dropped, and the last seq a flush covered when it was called. */
  let lostThrough = 0;
  let coveredThrough = 0;
  let waiters: Waiter[] = [];
  let timer: NodeJS.Timeout | undefined;
  let retryDelay = o.flushIntervalMs;
  /** After a failed batch, until one succeeds: only the timer (or a flush) sends. */
  let failing = false;
  let closed = false;
  const maxBatch = o.batchSize * MAX_BATCH_FACTOR;
  const write = createBatchWriter<Row>(pool);

  const pendingCount = () => buffer.length + (inFlight?.length ?? 0);
  const oldestPending = () => inFlight?.[0]?.seq ?? buffer[0]?.seq ?? Infinity;

  const settle = (err?: unknown) => {
    const oldest = oldestPending();
    const still: Waiter[] = [];
    for (const w of waiters) {
      if (w.upTo < oldest) w.resolve();
      else if (err !== undefined) w.reject(err);
      else still.push(w);
    }
    waiters = still;
  };

  /** Rows that will not be stored: counted, and every flush waiting for one of them rejects. */
  const lose = (rows: readonly Row[], why: 'dropped' | 'refused', err: unknown) => {
    if (rows.length === 0) return;
    counters[why] += rows.length;
    let first = Infinity;
    for (const r of rows) {
      first = Math.min(first, r.seq);
      lostThrough = Math.max(lostThrough, r.seq);
    }
    waiters = waiters.filter((w) => (w.upTo >= first ? (w.reject(err), false) : true));
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

  const written = (rows: readonly Row[]) => {
    for (const r of rows) {
      if (r.table === 'readings') counters.readingsWritten++;
      else if (r.table === 'detections') counters.detectionsWritten++;
    }
  };

  /** Hand the oldest rows to PostgreSQL, unless a batch is on its way (one at a time keeps them in order). */
  function send(): void {
    if (inFlight !== undefined || buffer.length === 0) return;
    stopTimer();
    const batch = buffer.slice(0, maxBatch);
    buffer = buffer.slice(batch.length);
    inFlight = batch;
    write(batch).then(
      (refused) => {
        inFlight = undefined;
        failing = false;
        retryDelay = o.flushIntervalMs;
        const bad = new Set(refused.map((r) => r.row));
        written(batch.filter((r) => !bad.has(r)));
        if (refused.length > 0) {
          const err = refused[0]!.err;
          o.logger.error({ err, rows: refused.length }, 'telemetry rows refused by PostgreSQL');
          lose(
            refused.map((r) => r.row),
            'refused',
            new StoreError('write_failed', `telemetry rows refused: ${err.message}`, false, { cause: err }),
          );
        }
        settle();
        if (buffer.length >= o.batchSize || waiters.length > 0 || closed) send();
        else if (buffer.length > 0) arm(o.flushIntervalMs);
      },
      (err: PgError) => {
        inFlight = undefined;
        counters.writeErrors++;
        const failure = new StoreError('write_failed', `telemetry batch write failed: ${err.message}`, err.canRetry, { cause: err });
        if (isTransientPgCode(err.code)) {
          // Back to the front, retried with backoff so a server that is down is not hammered.
          buffer = batch.concat(buffer);
          failing = true;
          o.logger.error({ err, rows: batch.length, pending: buffer.length }, 'telemetry batch write failed; retrying');
          shed();
          settle(failure);
          retryDelay = Math.min(retryDelay * 2, MAX_RETRY_DELAY_MS);
          if (!closed) arm(retryDelay);
          return;
        }
        o.logger.error({ err, rows: batch.length }, 'telemetry batch refused by PostgreSQL');
        lose(batch, 'refused', failure);
        settle();
        if (buffer.length > 0) arm(o.flushIntervalMs);
      },
    );
  }

  /** Beyond maxPending rows, the oldest buffered ones are given up on, counted and logged. */
  function shed(): void {
    const over = pendingCount() - o.maxPending;
    if (over <= 0 || buffer.length === 0) return;
    const gone = buffer.slice(0, over);
    buffer = buffer.slice(gone.length);
    o.logger.error({ dropped: gone.length, maxPending: o.maxPending }, 'telemetry buffer full: oldest rows dropped');
    lose(
      gone,
      'dropped',
      new StoreError('dropped', `telemetry buffer above maxPending (${o.maxPending} rows): rows dropped before they were written`, true),
    );
    settle();
  }

  const accept = (table: TelemetryTable, rows: readonly RowValues[]) => {
    if (closed) throw new StoreError('closed', 'telemetry sink is closed');
    for (const values of rows) buffer.push({ seq: ++lastSeq, table, values });
    if (buffer.length < o.batchSize || failing) arm(retryDelay);
    else send();
    if (pendingCount() > o.maxPending) shed();
  };

  /** Resolves when every row accepted so far is written; rejects when one of them will not be. */
  const flush = (): Promise<void> => {
    const upTo = lastSeq;
    const unseenLoss = lostThrough > coveredThrough;
    coveredThrough = upTo;
    let done = Promise.resolve();
    if (oldestPending() <= upTo) {
      done = new Promise<void>((resolve, reject) => waiters.push({ upTo, resolve, reject }));
      send();
    }
    return unseenLoss
      ? done.then(() => Promise.reject(new StoreError('write_failed', 'telemetry rows accepted earlier were not stored (see the log)')))
      : done;
  };

  const pruneTable = async (table: 'readings' | 'detections', cutoff: number): Promise<number> => {
    let deleted = 0;
    for (let n = PRUNE_CHUNK; n === PRUNE_CHUNK; deleted += n) {
      const r = await pool.query<{ n: number }>(
        `WITH d AS (DELETE FROM ${table} WHERE ctid = ANY (ARRAY (SELECT ctid FROM ${table} WHERE ts < $1 LIMIT ${PRUNE_CHUNK})) RETURNING 1)
         SELECT count(*) AS n FROM d`,
        [Math.ceil(cutoff)],
      );
      n = r.rows[0]?.n ?? 0;
    }
    return deleted;
  };

  return {
    name: 'postgres',
    writeReadings: (readings: readonly Reading[]) => accept('readings', readings.map(readingRow)),
    writeDetections: (detections: readonly Detection[]) => accept('detections', detections.map(detectionRow)),
    writeIncidentEvents: (events: readonly IncidentEventRecord[]) => accept('incident_event_points', events.map(incidentEventRow)),
    async queryReadings(q: TelemetryQuery): Promise<Reading[]> {
      if (closed) throw new StoreError('closed', 'telemetry sink is closed');
      await flush().catch(() => undefined); // logged and counted; answer with what is stored
      const limit = Math.min(MAX_QUERY_LIMIT, Math.max(1, Math.trunc(q.limit ?? DEFAULT_QUERY_LIMIT)));
      const devices = q.deviceIds && q.deviceIds.length > 0 ? [...q.deviceIds] : null;
      const r = await pool.query<ReadingRow>(
        `SELECT ${READING_COLUMNS} FROM readings
         WHERE ts >= $1 AND ts <= $2 AND ($3::text[] IS NULL OR device_id = ANY ($3)) AND ($4::text IS NULL OR grid = $4)
         ORDER BY ts, device_id, channel, kind LIMIT $5`,
        [Math.ceil(q.from), Math.floor(q.to), devices, q.grid ?? null, limit],
      );
      return r.rows.map(readingOf);
    },
    flush,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await flush();
      } catch (err) {
        stopTimer();
        o.logger.error({ lost: pendingCount() }, 'telemetry sink closed with rows it could not write');
        throw err;
      }
    },
    health: () => ({
      name: 'postgres',
      ok: !closed && !failing,
      state: closed ? 'closed' : failing ? 'retrying' : 'ok',
      queued: pendingCount(),
      written: counters.readingsWritten + counters.detectionsWritten,
      failed: counters.dropped + counters.refused,
      dropped: counters.dropped,
      spooled: 0,
    }),
    stats: () => ({ ...counters, pending: pendingCount() }),
    async pruneExpired() {
      const cutoff = o.now() - o.retentionMs;
      return { readings: await pruneTable('readings', cutoff), detections: await pruneTable('detections', cutoff) };
    },
  };
}
