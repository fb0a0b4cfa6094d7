// The embedded store (DESIGN.md § Storage): incidents, the incident event log, the alert log
// and telemetry in one SQLite file, `${dataDir}/citysense.db`.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { pino, type Logger } from 'pino';
import { StoreError } from './errors.js';
import { MIGRATIONS, migrate } from './migrations.js';
import { SqliteStoreOptions, type OpenSqliteStoreOptions } from './options.js';
import { createSqliteAlertLog, type SqliteAlertLog } from './sqlite-alert-log.js';
import { createSqliteCaseReader } from './sqlite-cases.js';
import { createSqliteIncidentStore } from './sqlite-incidents.js';
import { createSqliteRuleStateStore } from './sqlite-rule-state.js';
import { createSqliteSilenceStore } from './sqlite-silences.js';
import { createSqliteTelemetrySink, type SqliteTelemetrySink, type TelemetryStats } from './sqlite-telemetry.js';
import { createInlineWriter, createWorkerWriter } from './telemetry-writer.js';
import type { CaseReader, IncidentStore, RuleStateStore, SilenceStore } from './types.js';
import { newTurnState, noTurn, writeTurn, type Hold } from './write-turn.js';

export const DB_FILE_NAME = 'citysense.db';
/** Alert-log appends between two count-based prunes. */
const ALERT_LOG_PRUNE_EVERY = 1000;
/** The main connection's automatic checkpoint when the writer thread does them (SQLite's default is 1000). */
const MAIN_AUTOCHECKPOINT_PAGES = 10_000;

export interface StoreHealth {
  ok: boolean;
  path: string;
  journalMode?: string;
  schemaVersion?: number;
  alertLogLastSeq?: number;
  telemetry: TelemetryStats;
  error?: string;
}

export interface MaintenanceResult {
  readings: number;
  detections: number;
  alertLog: number;
}

export interface SqliteStore {
  incidents: IncidentStore;
  alertLog: SqliteAlertLog;
  telemetry: SqliteTelemetrySink;
  silences: SilenceStore;
  cases: CaseReader;
  ruleState: RuleStateStore;
  /**
   * Run `fn` (several writes) as one transaction in one write turn: one commit for all of it,
   * and the writer thread's transactions wait for all of it rather than the writes waiting for
   * them one by one (write-turn.ts). If `fn` throws, none of it is stored.
   */
  writeTransaction: Hold;
  /** Run retention now (it also runs at open and every maintenanceIntervalMs). */
  maintain(): MaintenanceResult;
  health(): StoreHealth;
  /** Flush buffered telemetry, stop timers, close the database. Idempotent. */
  close(): Promise<void>;
}

/** Open (creating and migrating as needed) the SQLite store. */
export function openSqliteStore(options: OpenSqliteStoreOptions): SqliteStore {
  const { logger: parentLogger, now = Date.now, ...raw } = options;
  const parsed = SqliteStoreOptions.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new StoreError('invalid', `store option ${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  const o = parsed.data;
  const logger: Logger = (parentLogger ?? pino({ name: 'citysense' })).child({ stage: 'store' });
  const file = o.path ?? path.join(o.dataDir as string, DB_FILE_NAME);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });

  const db = new Database(file, { timeout: o.busyTimeoutMs });
  try {
    // fsync policy: WAL + synchronous=NORMAL. A committed transaction survives a crash of this
    // process; a power loss or OS crash may lose the last few transactions (never corrupts).
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    const version = db.pragma('user_version', { simple: true }) as number;
    const latest = MIGRATIONS[MIGRATIONS.length - 1]?.version ?? 0;
    if (version > latest) {
      throw new StoreError('invalid', `${file} has schema ${version}, newer than this build (${latest})`);
    }
    migrate(db);
  } catch (err) {
    db.close();
    throw err;
  }

  // With a writer thread, two connections write the file: each write transaction takes its
  // side's turn (write-turn.ts), and the writer thread does the WAL checkpoints, so the main
  // thread's commits do not wait for a checkpoint's fsync (this connection checkpoints only
  // when the WAL grows far past the writer's, e.g. while no telemetry arrives).
  const threaded = o.telemetryWriter === 'worker' && file !== ':memory:';
  const turn = threaded ? newTurnState() : undefined;
  const hold = turn ? writeTurn(turn, 'main', o.busyTimeoutMs) : noTurn;
  if (threaded) db.pragma(`wal_autocheckpoint = ${MAIN_AUTOCHECKPOINT_PAGES}`);
  const incidents = createSqliteIncidentStore(db, hold);
  const alertLog = createSqliteAlertLog(db, { now, maxRows: o.alertLogMaxRows, pruneEvery: ALERT_LOG_PRUNE_EVERY, hold });
  const writer = turn
    ? createWorkerWriter(path.resolve(file), { busyTimeoutMs: o.busyTimeoutMs, logger, turn })
    : createInlineWriter(db);
  const telemetry = createSqliteTelemetrySink(db, writer, {
    now,
    logger,
    retentionMs: o.telemetryRetentionMs,
    batchSize: o.telemetryBatchSize,
    flushIntervalMs: o.telemetryFlushIntervalMs,
    maxPending: o.telemetryMaxPending,
    hold,
  });
  const ping = db.prepare('SELECT 1');
  // IMMEDIATE: the write lock up front, so a read before the first write cannot make it fail.
  const inOneTransaction = db.transaction((fn: () => unknown) => fn());
  const writeTransaction: Hold = <T>(fn: () => T): T => hold(() => inOneTransaction.immediate(fn) as T);

  const maintain = (): MaintenanceResult => {
    const t = telemetry.pruneExpired();
    const result = { ...t, alertLog: alertLog.prune() };
    if (result.readings + result.detections + result.alertLog > 0) logger.info(result, 'store retention pruned rows');
    return result;
  };
  const maintainLogged = (): void => {
    try {
      maintain();
    } catch (err) {
      logger.error({ err }, 'store maintenance failed');
    }
  };
  maintainLogged();
  const maintenanceTimer = setInterval(maintainLogged, o.maintenanceIntervalMs);
  maintenanceTimer.unref(); // housekeeping must not keep the process alive

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    clearInterval(maintenanceTimer);
    try {
      await telemetry.close();
    } finally {
      db.close();
    }
  };

  return {
    incidents,
    alertLog,
    telemetry,
    silences: createSqliteSilenceStore(db, hold),
    cases: createSqliteCaseReader(db),
    ruleState: createSqliteRuleStateStore(db, hold),
    maintain,
    writeTransaction,
    health(): StoreHealth {
      const base = { path: file, telemetry: telemetry.stats() };
      if (!db.open) return { ...base, ok: false, error: 'closed' };
      try {
        ping.get();
        return {
          ...base,
          ok: true,
          journalMode: db.pragma('journal_mode', { simple: true }) as string,
          schemaVersion: db.pragma('user_version', { simple: true }) as number,
          alertLogLastSeq: alertLog.lastSeq(),
        };
      } catch (err) {
        return { ...base, ok: false, error: (err as Error).message };
      }
    },
    close: () => (closing ??= close()),
  };
}
