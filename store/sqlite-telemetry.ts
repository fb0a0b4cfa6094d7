// TelemetrySink on SQLite, used when no InfluxDB is configured (DESIGN.md § Storage).
// Writes are buffered and flushed in one transaction per batch: when the buffer reaches
// `batchSize` rows, or `flushIntervalMs` after the first buffered row. A failed batch stays
// buffered for a retry (bounded by `maxPending`) and is reported, never silently dropped.
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import type { Reading } from '../ingest/schemas.js';
import type { Detection } from '../rules/detection.js';
import { StoreError, isTransientSqliteError } from './errors.js';
import {
  detectionRow,
  prepareTelemetryStatements,
  readingRow,
  type DetectionRow,
  type ReadingRow,
} from './telemetry-rows.js';
import type { TelemetryQuery, TelemetrySink } from './types.js';

export const DEFAULT_TELEMETRY_QUERY_LIMIT = 5000;
const MAX_TELEMETRY_QUERY_LIMIT = 100_000;
const PRUNE_CHUNK = 10_000;
const MAX_RETRY_DELAY_MS = 5000;

export interface TelemetryStats {
  readingsWritten: number;
  detectionsWritten: number;
  /** Rows accepted and not yet written. */
  pending: number;
  /** Failed batch writes (each one logged). */
  writeErrors: number;
  /** Rows given up on because failures kept the buffer above maxPending (each one logged). */
  dropped: number;
}

export interface SqliteTelemetrySink extends TelemetrySink {
  readonly name: 'sqlite';
  stats(): TelemetryStats;
  /** Delete readings and detections whose ts is older than now − retention. */
  pruneExpired(): { readings: number; detections: number };
}

export interface SqliteTelemetryOptions {
  now: () => number;
  logger: Logger;
  retentionMs: number;
  batchSize: number;
  flushIntervalMs: number;
  maxPending: number;
}

type Pending = { table: 'readings'; row: ReadingRow } | { table: 'detections'; row: DetectionRow };

/** Build the SQLite TelemetrySink over an open, migrated database. */
export function createSqliteTelemetrySink(db: Database, o: SqliteTelemetryOptions): SqliteTelemetrySink {
  const st = prepareTelemetryStatements(db);
  const counters = { readingsWritten: 0, detectionsWritten: 0, writeErrors: 0, dropped: 0 };
  let buffer: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let retryDelay = o.flushIntervalMs;
  let closed = false;

  const writeBatch = db.transaction((batch: Pending[]) => {
    for (const p of batch) {
      if (p.table === 'readings') st.insertReading.run(p.row);
      else st.insertDetection.run(p.row);
    }
  });

  /** Write everything buffered, batch by batch; throws (after logging) on the first failure. */
  const flushNow = (): void => {
    while (buffer.length > 0) {
      const batch = buffer.slice(0, o.batchSize);
      try {
        writeBatch(batch);
      } catch (err) {
        counters.writeErrors++;
        const canRetry = isTransientSqliteError(err);
        o.logger.error({ err, rows: batch.length, pending: buffer.length, canRetry }, 'telemetry batch write failed');
        throw new StoreError('write_failed', `telemetry batch write failed: ${(err as Error).message}`, canRetry, {
          cause: err,
        });
      }
      buffer = buffer.slice(batch.length);
      for (const p of batch) counters[p.table === 'readings' ? 'readingsWritten' : 'detectionsWritten']++;
    }
    retryDelay = o.flushIntervalMs;
  };

  const arm = (delay: number): void => {
    if (timer !== undefined || closed) return;
    timer = setTimeout(onTimer, delay);
    timer.unref(); // buffered telemetry must not keep the process alive; close() flushes it
  };

  function onTimer(): void {
    timer = undefined;
    try {
      flushNow();
    } catch {
      // Already logged and counted; back off so a broken disk is not hammered every 50 ms.
      retryDelay = Math.min(retryDelay * 2, MAX_RETRY_DELAY_MS);
      arm(retryDelay);
    }
  }

  const accept = (rows: Pending[]): void => {
    if (closed) throw new StoreError('closed', 'telemetry sink is closed');
    buffer.push(...rows);
    if (buffer.length >= o.batchSize) {
      try {
        flushNow();
      } catch {
        // Logged and counted in flushNow; the rows stay buffered for the timer's retry.
      }
    }
    if (buffer.length > o.maxPending) {
      const over = buffer.length - o.maxPending;
      buffer = buffer.slice(over);
      counters.dropped += over;
      o.logger.error({ dropped: over, maxPending: o.maxPending }, 'telemetry buffer full: oldest rows dropped');
    }
    if (buffer.length > 0) arm(retryDelay);
  };

  const stopTimer = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };

  return {
    name: 'sqlite',
    // Rows are serialised before any is buffered: a value that cannot be stored is refused
    // whole, at the caller, rather than failing a batch later.
    writeReadings(readings: readonly Reading[]) {
      accept(readings.map((r) => ({ table: 'readings', row: readingRow(r) })));
    },
    writeDetections(detections: readonly Detection[]) {
      accept(detections.map((d) => ({ table: 'detections', row: detectionRow(d) })));
    },
    async queryReadings(q: TelemetryQuery): Promise<Reading[]> {
      if (closed) throw new StoreError('closed', 'telemetry sink is closed');
      if (buffer.length > 0) {
        try {
          flushNow(); // so a reading written just now is visible
        } catch {
          // Logged and counted; answer with what is stored rather than fail the read.
        }
      }
      const devices = q.deviceIds && q.deviceIds.length > 0 ? JSON.stringify(q.deviceIds) : null;
      const grid = q.grid ?? null;
      const shape = devices !== null ? (grid !== null ? 'both' : 'devices') : grid !== null ? 'grid' : 'none';
      const limit = Math.min(MAX_TELEMETRY_QUERY_LIMIT, Math.max(1, Math.trunc(q.limit ?? DEFAULT_TELEMETRY_QUERY_LIMIT)));
      const rows = st.query[shape].all({ devices, grid, from: q.from, to: q.to, limit });
      // Bodies were written by this module from typed Readings.
      return rows.map((r) => JSON.parse(r.body) as Reading);
    },
    async flush() {
      stopTimer();
      try {
        flushNow();
      } catch (err) {
        arm(retryDelay);
        throw err;
      }
    },
    async close() {
      if (closed) return;
      stopTimer();
      closed = true;
      try {
        flushNow();
      } catch (err) {
        o.logger.error({ lost: buffer.length }, 'telemetry sink closed with rows it could not write');
        throw err;
      }
    },
    // Incident events already live in SQLite's append-only incident_events table.
    writeIncidentEvents() {},
    health: () => ({
      name: 'sqlite',
      ok: !closed,
      state: closed ? 'closed' : 'ok',
      queued: buffer.length,
      written: counters.readingsWritten + counters.detectionsWritten,
      failed: counters.dropped,
      spooled: 0,
    }),
    stats: () => ({ ...counters, pending: buffer.length }),
    pruneExpired() {
      const cutoff = o.now() - o.retentionMs;
      const drain = (stmt: typeof st.deleteReadingsBefore): number => {
        let total = 0;
        let n: number;
        do {
          n = stmt.run({ cutoff, chunk: PRUNE_CHUNK }).changes;
          total += n;
        } while (n === PRUNE_CHUNK);
        return total;
      };
      return { readings: drain(st.deleteReadingsBefore), detections: drain(st.deleteDetectionsBefore) };
    },
  };
}
