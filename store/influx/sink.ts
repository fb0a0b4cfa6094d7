// TelemetrySink on InfluxDB (DESIGN.md § Storage) through @influxdata/influxdb-client.
// Accounting that cannot lie: `WriteApi.close()` does not wait for batches already sent, so
// every batch is followed through the client's writeSuccess / writeFailed / writeRetrySkipped
// hooks to exactly one end: written, refused (bad data), or spooled to SQLite. The spool is
// replayed oldest first while InfluxDB answers. See docs/operations.md § InfluxDB.
import { HttpError, InfluxDB, setLogger } from '@influxdata/influxdb-client';
import type { Logger } from 'pino';
import { StoreError } from '../errors.js';
import type { TelemetryQuery, TelemetrySink } from '../types.js';
import { InfluxSinkOptions, type InfluxSinkOptionsInput } from './options.js';
import { queryReadings } from './query.js';
import { createLineEncoder } from './schema.js';
import type { Spool } from './spool.js';
import { createTrackedTransport } from './transport.js';
import { createSpoolReplayer } from './replay.js';
import { issuesOf } from '../../model/index.js';

export interface InfluxSinkStats {
  state: 'ok' | 'retrying' | 'replaying' | 'unreachable' | 'closed';
  reachable: boolean;
  /** Lines handed to the client. */
  accepted: number;
  /** Lines InfluxDB acknowledged, replayed ones included. */
  written: number;
  /** Of `written`, lines that came from the spool. */
  replayed: number;
  /** Lines InfluxDB refused for good (400/422: bad data). */
  rejected: number;
  /** Spooled lines InfluxDB refused for good on replay. */
  replayRejected: number;
  /** Lines ever put in the spool. */
  spooled: number;
  /** Lines neither written nor spooled because the spool itself failed (logged). */
  lost: number;
  /** Points never encoded: a time or field line protocol cannot carry (logged; not in `accepted`). */
  invalid: number;
  /** Lines in the client: its batch, on the wire, or in its retry buffer. */
  queued: number;
  /** Of `queued`, lines waiting in the client's retry buffer. */
  retrying: number;
  /** Lines in the spool now. */
  spoolDepth: number;
  inFlight: number;
  /** Failed write requests (each retried, spooled or refused). */
  failedRequests: number;
  lastError?: string;
  lastErrorAt?: number;
}

export interface InfluxSink extends TelemetrySink {
  readonly name: 'influxdb';
  stats(): InfluxSinkStats;
}

export interface InfluxSinkDeps {
  spool: Spool;
  logger: Logger;
}

// 400 and 422 mean the lines themselves are bad: no retry or replay can make them good.
const isBadData = (err: Error) => err instanceof HttpError && (err.statusCode === 400 || err.statusCode === 422);
// As the client decides: network errors and 429/5xx are worth retrying.
const isRetriable = (err: Error) => !(err instanceof HttpError) || err.statusCode >= 429;

/** Socket timeout of a write request when the options set none. */
const WRITE_TIMEOUT_MS = 10_000;

/** Build the InfluxDB TelemetrySink. Throws StoreError('invalid') on bad options. */
export function createInfluxSink(input: InfluxSinkOptionsInput, deps: InfluxSinkDeps): InfluxSink {
  const parsed = InfluxSinkOptions.safeParse(input);
  if (!parsed.success) {
    const [issue] = issuesOf(parsed.error);
    throw new StoreError('invalid', `influx option ${issue?.path ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const o = parsed.data;
  const { spool } = deps;
  const logger = deps.logger.child({ stage: 'influx' });
  // The client logs through one process-wide logger of its own (the last sink created sets it);
  // our hooks below log every decision, so its messages are detail.
  setLogger({
    error: (message, err) => logger.debug({ err }, `influxdb-client: ${message}`),
    warn: (message, err) => logger.debug({ err }, `influxdb-client: ${message}`),
  });
  const transport = createTrackedTransport({ ...o, timeoutMs: o.timeout ?? WRITE_TIMEOUT_MS, maxWaitingLines: o.maxBufferLines });
  const c = {
    accepted: 0,
    written: 0,
    replayed: 0,
    rejected: 0,
    replayRejected: 0,
    spooled: 0,
    lost: 0,
    invalid: 0,
    failedRequests: 0,
    settled: 0,
  };
  // One bad point is left out here, so it cannot make InfluxDB refuse the batch it would share.
  const encoder = createLineEncoder({
    onInvalid: ({ measurement, reason }) => {
      c.invalid++;
      logger.warn({ measurement, reason, invalid: c.invalid }, 'point not written to InfluxDB: line protocol cannot carry it');
    },
  });
  /** Batches the client holds for a retry, by identity (the client passes the same array back). */
  const retrying = new Set<string[]>();
  let closing = false;
  let closed = false;

  /** Batches whose end is booked: a request still answering after close() spooled it counts once. */
  const ended = new WeakSet<string[]>();
  /** A client-path batch reached its end; false if it had already. */
  const settle = (lines: string[]): boolean => {
    retrying.delete(lines);
    if (ended.has(lines)) return false;
    ended.add(lines);
    c.settled += lines.length;
    return true;
  };
  const toSpool = (lines: string[], reason: string): void => {
    try {
      spool.append(lines);
      c.spooled += lines.length;
      logger.warn({ lines: lines.length, reason, spoolDepth: spool.depth() }, 'InfluxDB write spooled');
    } catch (err) {
      c.lost += lines.length;
      logger.error({ err, lines: lines.length, reason }, 'InfluxDB write could not be spooled: lines lost');
    }
  };

  const client = new InfluxDB({ url: o.url, transport });
  const writeApi = client.getWriteApi(o.org ?? '', o.bucket, 'us', {
    batchSize: o.batchSize,
    flushInterval: o.flushInterval,
    maxRetries: o.maxRetries,
    maxRetryTime: o.maxRetryTime,
    minRetryDelay: o.minRetryDelay,
    maxRetryDelay: o.maxRetryDelay,
    retryJitter: Math.min(200, o.minRetryDelay),
    maxBufferLines: o.maxBufferLines,
    writeSuccess(lines) {
      if (settle(lines)) c.written += lines.length;
    },
    writeFailed(error, lines, attempt, expires) {
      c.failedRequests++;
      // Already spooled by flush(): the spool replays it, the client need not retry.
      if (ended.has(lines)) return Promise.resolve();
      if (isBadData(error)) {
        if (settle(lines)) c.rejected += lines.length;
        logger.error({ err: error, lines: lines.length, first: lines[0] }, 'InfluxDB refused a batch (bad data)');
        return Promise.resolve();
      }
      // Returning a promise ends the client's handling of the batch; undefined lets it retry.
      const last = closing || !isRetriable(error) || attempt > o.maxRetries || expires <= Date.now();
      if (!last) {
        retrying.add(lines);
        return undefined;
      }
      if (settle(lines)) toSpool(lines, error.message);
      return Promise.resolve();
    },
    writeRetrySkipped(entry) {
      // The client's retry buffer is full and sheds its oldest batch: it goes to the spool.
      if (settle(entry.lines)) toSpool(entry.lines, 'retry buffer full');
    },
  });

  const replayer = createSpoolReplayer({
    spool,
    transport,
    path: `/api/v2/write?org=${encodeURIComponent(o.org ?? '')}&bucket=${encodeURIComponent(o.bucket)}&precision=us`,
    intervalMs: o.replayInterval,
    isBadData,
    logger,
    onWritten: (n) => {
      c.written += n;
      c.replayed += n;
    },
    onRejected: (n) => (c.replayRejected += n),
  });

  const accept = (lines: string[]) => {
    if (closing) throw new StoreError('closed', 'InfluxDB sink is closed');
    if (lines.length === 0) return;
    c.accepted += lines.length;
    writeApi.writeRecords(lines);
  };

  const stats = (): InfluxSinkStats => {
    const r = transport.reachability();
    const spoolDepth = spool.depth();
    const retryingLines = [...retrying].reduce((n, l) => n + l.length, 0);
    const state = closed ? 'closed' : !r.reachable ? 'unreachable' : spoolDepth > 0 ? 'replaying' : retryingLines > 0 ? 'retrying' : 'ok';
    const { settled, ...counts } = c;
    return {
      state,
      reachable: r.reachable,
      ...counts,
      queued: c.accepted - settled,
      retrying: retryingLines,
      spoolDepth,
      inFlight: transport.inFlight(),
      ...(r.lastError ? { lastError: r.lastError, lastErrorAt: r.lastErrorAt } : {}),
    };
  };

  async function close(): Promise<void> {
    closing = true;
    await replayer.stop();
    await writeApi.flush().catch(() => undefined); // failures went to the retry set or the spool
    if (retrying.size > 0 && transport.reachability().reachable) {
      // One last attempt for what waits in the retry buffer; a failure now spools (closing).
      await writeApi.flush(true).catch(() => undefined);
    }
    await transport.idle(o.closeTimeout);
    // Nothing may start between the idle check and dispose: both run in this one tick.
    writeApi.dispose();
    for (const lines of [...retrying]) if (settle(lines)) toSpool(lines, 'shutdown');
    closed = true;
    const s = stats();
    const level = s.queued > 0 || s.lost > 0 ? 'error' : 'info';
    logger[level]({ ...s }, s.queued > 0 ? 'InfluxDB sink closed with write requests still unanswered' : 'InfluxDB sink closed');
    spool.close();
  }
  let closingPromise: Promise<void> | undefined;

  /**
   * Every line accepted so far is durable (written, refused as bad data, or in the spool) when
   * this resolves: the open batch is sent, the requests before it end, and batches the client
   * still holds for a retry (memory only) are spooled now. The client may yet retry them too:
   * a point written twice is the same point (same series, fields and timestamp).
   */
  async function durableOnce(): Promise<void> {
    const sent = writeApi.flush().catch(() => undefined); // puts the open batch on its way now
    await transport.endedThrough(transport.lastSendId());
    await sent;
    for (const lines of [...retrying]) if (settle(lines)) toSpool(lines, 'made durable while InfluxDB retries');
  }
  // One barrier at a time; callers during it share the next one (group commit: QoS 1 acks wait here).
  let barrier: Promise<void> | undefined;
  let nextBarrier: Promise<void> | undefined;
  const durable = (): Promise<void> => {
    if (barrier === undefined) {
      barrier = durableOnce().finally(() => (barrier = undefined));
      return barrier;
    }
    return (nextBarrier ??= barrier.then(() => {
      nextBarrier = undefined;
      return durable();
    }));
  };

  return {
    name: 'influxdb',
    writeReadings: (readings) => accept(readings.flatMap((r) => encoder.reading(r))),
    writeDetections: (detections) => accept(detections.flatMap((d) => encoder.detection(d))),
    writeIncidentEvents: (events) => accept(events.flatMap((e) => encoder.incidentEvent(e))),
    queryReadings: (q: TelemetryQuery) => queryReadings(transport, o.bucket, q),
    // Spooled lines count as stored; lost ones do not. Any loss while a flush waits rejects it
    // (its own lines may be among them), so a QoS 1 publish is never acknowledged for a lost line.
    flush: () => {
      const lostBefore = c.lost;
      return durable().then(() => {
        if (c.lost > lostBefore)
          throw new StoreError(
            'dropped',
            `${c.lost - lostBefore} InfluxDB lines lost (neither written nor spooled) while this flush waited`,
            true,
          );
      });
    },
    close: () => (closingPromise ??= close()),
    stats,
    health() {
      const s = stats();
      return {
        name: 'influxdb',
        ok: s.reachable && !closed,
        state: s.state,
        queued: s.queued,
        written: s.written,
        failed: s.rejected + s.replayRejected + s.lost + s.invalid,
        spooled: s.spoolDepth,
      };
    },
  };
}
