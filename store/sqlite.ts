// The embedded store (DESIGN.md § Storage): incidents, the incident event log, the alert log,
// silences and rule state in `${dataDir}/citysense.db`; readings and detections in a file of
// their own beside it, `citysense-telemetry.db`, written by the telemetry writer thread.
//
// Two files, so the alert path never waits for telemetry: SQLite lets one
// connection write a file at a time, and in one file every incident write waited for the
// writer thread's current transaction (9 % of the main thread with 200 devices raising ~500
// detections/s). Nothing needs both in one transaction: detections reach their table through
// the telemetry batches either way.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { StoreError } from './errors.js';
import { MIGRATIONS, hasTable, migrate, openTelemetryDb, telemetryFileFor } from './migrations.js';
import { SqliteStoreOptions, parseStoreOptions, type OpenSqliteStoreOptions } from './options.js';
import { createSqliteAlertLog, type SqliteAlertLog } from './sqlite-alert-log.js';
import { createSqliteCaseReader } from './sqlite-cases.js';
import { createSqliteFollowUpStore } from './sqlite-follow-ups.js';
import { createSqliteEvidenceStore } from './sqlite-evidence.js';
import { createSqliteIncidentStore } from './sqlite-incidents.js';
import { createSqliteRuleStateStore } from './sqlite-rule-state.js';
import { createSqliteRuleVersionStore } from './sqlite-rule-versions.js';
import { createSqliteSilenceStore } from './sqlite-silences.js';
import { createSqliteMutedKeyStore } from './sqlite-muted-keys.js';
import { createSqliteTelemetrySink, type SqliteTelemetrySink, type TelemetryStats } from './sqlite-telemetry.js';
import { createSqliteTelemetryReader } from './sqlite-series.js';
import type { TelemetryReader } from './telemetry-series.js';
import { createInlineWriter, createWorkerWriter } from './telemetry-writer.js';
import type { CaseStore, CaseStoreHealth, MaintenanceResult, Transaction } from './types.js';
import { createPruner, pruneNow } from './telemetry-rows.js';

export type { MaintenanceResult, Transaction } from './types.js';

export const DB_FILE_NAME = 'citysense.db';
/** The telemetry file beside it (telemetryFileFor(DB_FILE_NAME)). */
export const TELEMETRY_DB_FILE_NAME = 'citysense-telemetry.db';
/** Alert-log appends between two count-based prunes. */
const ALERT_LOG_PRUNE_EVERY = 1000;
/** The main connection's automatic checkpoint when the writer thread does them (SQLite's default is 1000). */
const MAIN_AUTOCHECKPOINT_PAGES = 10_000;
/** How often the writer thread is asked to checkpoint both files. */
const CHECKPOINT_EVERY_MS = 1000;

export interface StoreHealth extends CaseStoreHealth {
  path: string;
  telemetryPath: string;
  journalMode?: string;
  telemetry: TelemetryStats;
}

/** The embedded store: every CaseStore part in one file, telemetry in a file of its own beside it. */
export interface SqliteStore extends CaseStore {
  alertLog: SqliteAlertLog;
  telemetry: SqliteTelemetrySink;
  /** Downsampled series and each device's latest reading, read from the telemetry file. */
  telemetryReader: TelemetryReader;
  health(): StoreHealth;
}

/** About how many readings a store of schema ≤ 4 holds in its own file (the last rowid: no scan). */
function rowsToMove(db: Database.Database): number {
  return hasTable(db, 'readings') ? ((db.prepare('SELECT max(rowid) AS n FROM readings').get() as { n: number | null }).n ?? 0) : 0;
}

/** Open (creating and migrating as needed) the SQLite store. */
export function openSqliteStore(options: OpenSqliteStoreOptions): SqliteStore {
  const { o, logger, now } = parseStoreOptions(SqliteStoreOptions, options);
  const file = o.path ?? path.join(o.dataDir as string, DB_FILE_NAME);
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const telemetryFile = telemetryFileFor(file);

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
    const moving = version < 5 && file !== ':memory:' ? rowsToMove(db) : 0;
    const startedAt = performance.now();
    if (moving > 0)
      logger.info({ readings: moving, to: telemetryFile }, 'moving telemetry to its own file (once; about 6 s per million readings)');
    migrate(db); // moves an older store's telemetry to its own file (migration 5)
    if (moving > 0) logger.info({ readings: moving, seconds: Math.round((performance.now() - startedAt) / 1000) }, 'telemetry moved');
  } catch (err) {
    db.close();
    throw err;
  }
  let tdb: Database.Database;
  try {
    tdb = openTelemetryDb(telemetryFile, o.busyTimeoutMs);
  } catch (err) {
    db.close();
    throw err;
  }

  // Retention at open, before any other connection writes the telemetry file; from then on the
  // writer is its only writer, retention included (TelemetryWriter.prune).
  const atOpen = { ...pruneNow(createPruner(tdb), now() - o.telemetryRetentionMs), alertLog: 0 };

  // The writer thread also does the WAL checkpoints of both files, so no commit on this thread
  // waits for a checkpoint's fsync (this connection checkpoints only if its WAL grows far past
  // that, e.g. while the writer thread is stuck).
  const threaded = o.telemetryWriter === 'worker' && file !== ':memory:';
  if (threaded) db.pragma(`wal_autocheckpoint = ${MAIN_AUTOCHECKPOINT_PAGES}`);
  const incidents = createSqliteIncidentStore(db);
  const alertLog = createSqliteAlertLog(db, { now, maxRows: o.alertLogMaxRows, pruneEvery: ALERT_LOG_PRUNE_EVERY });
  const writer = threaded
    ? createWorkerWriter(path.resolve(telemetryFile), { busyTimeoutMs: o.busyTimeoutMs, logger, checkpointAlso: path.resolve(file) })
    : createInlineWriter(tdb);
  const telemetry = createSqliteTelemetrySink(tdb, writer, {
    now,
    logger,
    retentionMs: o.telemetryRetentionMs,
    batchSize: o.telemetryBatchSize,
    flushIntervalMs: o.telemetryFlushIntervalMs,
    maxPending: o.telemetryMaxPending,
  });
  const pings = [db.prepare('SELECT 1'), tdb.prepare('SELECT 1')];
  // IMMEDIATE: the write lock up front, so a read before the first write cannot make it fail.
  const inOneTransaction = db.transaction((fn: () => unknown) => fn());
  const writeTransaction: Transaction = <T>(fn: () => T): T => inOneTransaction.immediate(fn) as T;

  const logPruned = (result: MaintenanceResult): MaintenanceResult => {
    if (result.readings + result.detections + result.alertLog > 0) logger.info(result, 'store retention pruned rows');
    return result;
  };
  const maintain = async (): Promise<MaintenanceResult> => {
    const alertLogPruned = alertLog.prune();
    return logPruned({ ...(await telemetry.pruneExpired()), alertLog: alertLogPruned });
  };
  const maintainLogged = (): void => {
    maintain().catch((err: unknown) => {
      // A close in the middle stops retention; the next start's runs the rest.
      if (err instanceof StoreError && err.code === 'closed') logger.info('store maintenance stopped: the store is closing');
      else logger.error({ err }, 'store maintenance failed');
    });
  };
  logPruned({ ...atOpen, alertLog: alertLog.prune() });
  const maintenanceTimer = setInterval(maintainLogged, o.maintenanceIntervalMs);
  maintenanceTimer.unref(); // housekeeping must not keep the process alive
  // Both WALs checkpointed by the writer thread in small steps, whether telemetry arrives or not
  // (with InfluxDB none does): else this connection's automatic checkpoint, 40 MB at once, would
  // run inside an incident commit on the alert path.
  const checkpointTimer = setInterval(() => writer.checkpoint(), CHECKPOINT_EVERY_MS);
  checkpointTimer.unref();

  let closing: Promise<void> | undefined;
  const close = async (): Promise<void> => {
    clearInterval(maintenanceTimer);
    clearInterval(checkpointTimer);
    try {
      await telemetry.close();
    } finally {
      tdb.close();
      db.close();
    }
  };

  return {
    incidents,
    alertLog,
    telemetry,
    telemetryReader: createSqliteTelemetryReader(tdb, () => telemetry.flush()),
    silences: createSqliteSilenceStore(db),
    mutedKeys: createSqliteMutedKeyStore(db),
    cases: createSqliteCaseReader(db),
    followUps: createSqliteFollowUpStore(db),
    ruleState: createSqliteRuleStateStore(db),
    evidence: createSqliteEvidenceStore(db),
    ruleVersions: createSqliteRuleVersionStore(db),
    maintain,
    writeTransaction,
    health(): StoreHealth {
      const base = { path: file, telemetryPath: telemetryFile, telemetry: telemetry.stats() };
      if (!db.open || !tdb.open) return { ...base, ok: false, error: 'closed' };
      try {
        for (const ping of pings) ping.get();
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
