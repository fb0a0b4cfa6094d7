// The alert path of one detection (docs/operations.md § Durability): its telemetry write and its incident
// handling, neither skipped when the other fails. A store failure of the incident side is
// retried with backoff, in arrival order per dedup key (retry-queue.ts); a detection that still
// fails is counted, logged, shown in /api/health, and its rule forgets the key's raised state,
// so the condition raises again instead of staying raised with no incident behind it.
import type { Logger } from 'pino';
import { asyncScheduler, type SchedulerLike, type Subscription } from 'rxjs';
import { stateKeyOf, type Detection } from '../rules/index.js';
import { isTransientPgError, isTransientSqliteError, StoreError } from '../store/index.js';
import { KeyedRetryQueue, RetryPolicy, type GiveUpReason } from './retry-queue.js';

/** What the path writes to, hands detections to, and resets; its clock and retry policy. */
export interface DetectionPathDeps {
  /** The detection as telemetry (the time-series sink buffers and retries on its own). */
  write: (d: Detection) => void;
  /** The incident side: one store transaction (alerts/incidents.ts), safe to run again after it threw. */
  handle: (d: Detection) => void;
  /** Forget the rule's state of a key (engine.release), for a detection given up. */
  release: (ruleId: string, key: string) => void;
  logger: Logger;
  policy?: Partial<RetryPolicy>;
  scheduler?: SchedulerLike;
  /** Whether a retry may get past an error; default: a transient SQLite or PostgreSQL error or a StoreError that says so. */
  retriable?: (err: unknown) => boolean;
}

/** What `/api/health` shows of the alert path. */
export interface DetectionPathHealth {
  /** False from a detection given up until one goes through again. */
  ok: boolean;
  /** Detections waiting for a retry (or behind one of their key). */
  waiting: number;
  reason?: string;
  since?: string;
}

/** The path's books, read at scrape time (app/service-metrics.ts). */
export interface DetectionPathStats {
  retries: Map<string, number>;
  failed: Map<string, { rule: string; reason: GiveUpReason | 'shutdown'; value: number }>;
  writeErrors: number;
  /** Detections in the retry queue now. */
  waiting: number;
}

/** The one way into the alert path for every detection (rules and Node-RED alike). */
export interface DetectionPath {
  /** Write and handle `d`: `handled` when its incident side went through at once, else `waiting` or `failed`. */
  accept(d: Detection): 'handled' | 'waiting' | 'failed';
  health(): DetectionPathHealth;
  stats(): DetectionPathStats;
  /** Stop retrying; what still waits is counted as failed and its rule keys released. Call while the rules run. */
  close(): void;
}

/** Whether a store error may pass: a lock, a full disk, an I/O error; on PostgreSQL a deadlock, a lost connection. */
export const isRetriableStoreError = (err: unknown): boolean =>
  isTransientSqliteError(err) || isTransientPgError(err) || (err instanceof StoreError && err.canRetry);

/** Build the alert path over the telemetry sink, the incident service and the rule engine. */
export function createDetectionPath(deps: DetectionPathDeps): DetectionPath {
  const { logger } = deps;
  const scheduler = deps.scheduler ?? asyncScheduler;
  const retriable = deps.retriable ?? isRetriableStoreError;
  const queue = new KeyedRetryQueue<Detection>(RetryPolicy.parse(deps.policy ?? {}));
  const stats: Omit<DetectionPathStats, 'waiting'> = { retries: new Map(), failed: new Map(), writeErrors: 0 };
  let failing: { reason: string; since: number } | undefined;
  let timer: { at: number; sub: Subscription } | undefined;
  let trying = false;
  let closed = false;
  /** The detection `accept` is handling, and what became of it (for its return value). */
  let watching: Detection | undefined;
  let outcome: 'handled' | 'waiting' | 'failed' = 'waiting';

  const giveUp = (d: Detection, reason: GiveUpReason | 'shutdown', err: unknown, tries: number) => {
    const k = `${d.ruleId}\n${reason}`;
    const row = stats.failed.get(k);
    if (row) row.value++;
    else stats.failed.set(k, { rule: d.ruleId, reason, value: 1 });
    const message = err instanceof Error ? err.message : String(err);
    if (d === watching) outcome = 'failed';
    failing = {
      reason: `detection of rule ${d.ruleId} on device ${d.deviceId} was not handled (${reason}, ${tries} tries): ${message}`,
      since: scheduler.now(),
    };
    logger.error(
      { err, ruleId: d.ruleId, deviceId: d.deviceId, dedupKey: d.dedupKey, detectionId: d.id, reason, tries },
      `detection of rule ${d.ruleId} on device ${d.deviceId} not handled after ${tries} tries (${reason}); the rule's state of that key is reset`,
    );
    // The raise has no incident behind it: the rule must not believe it fired.
    try {
      deps.release(d.ruleId, stateKeyOf(d));
    } catch (releaseErr) {
      logger.error({ err: releaseErr, ruleId: d.ruleId }, 'rule state could not be released');
    }
  };

  /** Try every head that is due, until none is or a failure holds the rest for its backoff. */
  const run = () => {
    if (trying || closed) return;
    trying = true;
    try {
      for (let due = queue.next(scheduler.now()); due; due = queue.next(scheduler.now())) {
        const { key, item: d, failed } = due;
        if (failed > 0) stats.retries.set(d.ruleId, (stats.retries.get(d.ruleId) ?? 0) + 1);
        try {
          deps.handle(d);
          queue.succeeded(key, scheduler.now());
          failing = undefined;
          if (d === watching) outcome = 'handled';
        } catch (err) {
          const verdict = queue.failed(key, scheduler.now(), retriable(err));
          if (verdict.retry)
            logger.warn(
              { err, ruleId: d.ruleId, deviceId: d.deviceId, tries: failed + 1, retryInMs: verdict.delayMs },
              'detection not handled yet; retrying',
            );
          else giveUp(d, verdict.reason, err, failed + 1);
        }
      }
    } finally {
      trying = false;
      arm();
    }
  };

  /** One timer, at the queue's next wake-up. */
  const arm = () => {
    const at = closed ? undefined : queue.nextWakeAt();
    if (timer && timer.at === at) return;
    timer?.sub.unsubscribe();
    timer = undefined;
    // The fired timer is forgotten first: a timer that fires a shade early finds nothing due and must re-arm.
    if (at !== undefined) {
      timer = {
        at,
        sub: scheduler.schedule(
          () => {
            timer = undefined;
            run();
          },
          Math.max(0, at - scheduler.now()),
        ),
      };
    }
  };

  return {
    accept(d) {
      // The telemetry write and the incident side fail alone: neither skips the other.
      try {
        deps.write(d);
      } catch (err) {
        stats.writeErrors++;
        logger.error({ err, ruleId: d.ruleId, deviceId: d.deviceId }, 'detection could not be written to the telemetry store');
      }
      if (closed || !queue.offer(d.dedupKey, d, scheduler.now())) {
        giveUp(
          d,
          closed ? 'shutdown' : 'queue_full',
          new Error(closed ? 'the service is stopping' : `${queue.size} detections already wait for a retry`),
          0,
        );
        return 'failed';
      }
      // Saved and put back: a detection handled inside another's (a Node-RED flow) waits for the outer run.
      const outer = { watching, outcome };
      watching = d;
      outcome = 'waiting';
      run();
      const mine = outcome;
      ({ watching, outcome } = outer);
      return mine;
    },
    health: () => ({
      ok: failing === undefined,
      waiting: queue.size,
      ...(failing ? { reason: failing.reason, since: new Date(failing.since).toISOString() } : {}),
    }),
    stats: () => ({ ...stats, waiting: queue.size }),
    close() {
      if (closed) return;
      closed = true;
      arm();
      for (const { item } of queue.drain()) giveUp(item, 'shutdown', new Error('the service stopped before the store took it'), 0);
    },
  };
}
