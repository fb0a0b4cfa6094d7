// The PostgreSQL store of cluster mode (DESIGN.md § Cluster mode, § Beyond one machine): the
// nodes of a cluster share one database for incidents, their event log, the alert log behind the
// one global /ws seq, silences, muted keys, follow-ups, evidence and rule versions and state;
// telemetry too when asked. The contracts are synchronous (store/types.ts), so the case store
// runs on a synchronous client (sync-pg.ts); telemetry, off the alert path, on an async pool.
import pg from 'pg';
import type { TelemetryReader } from '../telemetry-series.js';
import type { CaseStore, CaseStoreHealth, DetectionClaims, MaintenanceResult, Transaction } from '../types.js';
import { createPgDetectionClaims } from './claims.js';
import { createPgAlertLog, type PgAlertLog } from './alert-log.js';
import { createPgCaseReader } from './cases.js';
import { createPgEvidenceStore } from './evidence.js';
import { createPgFollowUpStore } from './follow-ups.js';
import { createPgIncidentStore } from './incidents.js';
import { createPgMutedKeyStore } from './muted-keys.js';
import { PostgresStoreOptions, type OpenPostgresStoreOptions } from './options.js';
import { parseStoreOptions } from '../options.js';
import { createPgRuleStateStore } from './rule-state.js';
import { createPgRuleVersionStore } from './rule-versions.js';
import { migratePostgres } from './schema.js';
import { createPgSilenceStore } from './silences.js';
import { openSyncPg } from './sync-pg.js';
import { createPgTelemetryReader } from './telemetry-reader.js';
import { createPgTelemetrySink, type PgTelemetrySink, type PgTelemetryStats } from './telemetry.js';

export { PostgresStoreOptions, type OpenPostgresStoreOptions, type PostgresStoreDeps } from './options.js';
export { PG_MIGRATIONS } from './schema.js';
export type { PgAlertLog } from './alert-log.js';
export type { PgTelemetrySink, PgTelemetryStats } from './telemetry.js';

export interface PostgresStoreHealth extends CaseStoreHealth {
  /** The database, its password left out. */
  url: string;
  telemetry?: PgTelemetryStats;
}

export interface PostgresStore extends CaseStore {
  alertLog: PgAlertLog;
  /** Detections handled once, whichever node makes them again. */
  detectionClaims: DetectionClaims;
  /** Present when opened with `telemetry: true`. */
  telemetry?: PgTelemetrySink;
  telemetryReader?: TelemetryReader;
  health(): PostgresStoreHealth;
}

/** The URL without its password, for health and logs. */
function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable)';
  }
}

/** bigint and numeric columns as numbers, as the contracts want them (the pool's own parsers, not pg's global ones). */
const numberTypes = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8 || oid === pg.types.builtins.NUMERIC
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** Open the shared store, creating or migrating its schema (safe with several nodes opening at once). */
export function openPostgresStore(options: OpenPostgresStoreOptions): PostgresStore {
  const { o, logger, now } = parseStoreOptions(PostgresStoreOptions, options);
  const url = redact(o.url);

  const db = openSyncPg(o.url, { timeoutMs: o.timeoutMs });
  let schemaVersion: number;
  try {
    schemaVersion = migratePostgres(db);
  } catch (err) {
    db.close();
    throw err;
  }
  const alertLog = createPgAlertLog(db, { now, maxRows: o.alertLogMaxRows });
  const detectionClaims = createPgDetectionClaims(db, now);
  const pool = o.telemetry
    ? new pg.Pool({
        connectionString: o.url,
        max: o.telemetryPoolSize,
        connectionTimeoutMillis: o.timeoutMs,
        // A batch never waits for ever: the server ends a statement that runs too long, and the
        // client gives up on a connection that stopped answering (the pool then drops it).
        statement_timeout: o.timeoutMs,
        query_timeout: o.timeoutMs + 1000,
        keepAlive: true,
        application_name: 'citysense-telemetry',
        types: numberTypes,
      })
    : undefined;
  // An idle pooled connection that breaks is dropped by the pool; the next write opens another.
  pool?.on('error', (err) => logger.warn({ err }, 'telemetry connection to PostgreSQL lost'));
  const telemetry = pool
    ? createPgTelemetrySink(pool, {
        now,
        logger,
        retentionMs: o.telemetryRetentionMs,
        batchSize: o.telemetryBatchSize,
        flushIntervalMs: o.telemetryFlushIntervalMs,
        maxPending: o.telemetryMaxPending,
      })
    : undefined;

  let closing: Promise<void> | undefined;
  const maintain = async (): Promise<MaintenanceResult> => {
    // The alert log's first, synchronously: at open it is pruned before the store is handed out.
    const alertLogPruned = alertLog.prune();
    detectionClaims.prune();
    const pruned = { ...(telemetry ? await telemetry.pruneExpired() : { readings: 0, detections: 0 }), alertLog: alertLogPruned };
    if (pruned.readings + pruned.detections + pruned.alertLog > 0) logger.info(pruned, 'store retention pruned rows');
    return pruned;
  };
  const maintainLogged = (): void => {
    maintain().catch((err: unknown) => {
      // A close in the middle stops retention; the next run does the rest.
      if (closing) logger.info('store maintenance stopped: the store is closing');
      else logger.error({ err }, 'store maintenance failed');
    });
  };
  maintainLogged(); // at open, as the embedded store does; every node runs it (deleting twice deletes nothing)
  const maintenanceTimer = setInterval(maintainLogged, o.maintenanceIntervalMs);
  maintenanceTimer.unref(); // housekeeping must not keep the process alive

  const writeTransaction: Transaction = (fn) => db.transaction(fn);
  const close = async (): Promise<void> => {
    clearInterval(maintenanceTimer);
    try {
      await telemetry?.close();
    } finally {
      await pool?.end().catch(() => undefined);
      db.close();
    }
  };

  return {
    incidents: createPgIncidentStore(db),
    alertLog,
    detectionClaims,
    ...(telemetry && pool ? { telemetry, telemetryReader: createPgTelemetryReader(pool, () => telemetry.flush()) } : {}),
    silences: createPgSilenceStore(db),
    mutedKeys: createPgMutedKeyStore(db),
    cases: createPgCaseReader(db),
    followUps: createPgFollowUpStore(db),
    ruleState: createPgRuleStateStore(db),
    evidence: createPgEvidenceStore(db),
    ruleVersions: createPgRuleVersionStore(db),
    writeTransaction,
    maintain,
    health(): PostgresStoreHealth {
      const base = { url, ...(telemetry ? { telemetry: telemetry.stats() } : {}) };
      if (closing) return { ...base, ok: false, error: 'closed' };
      try {
        return { ...base, ok: true, schemaVersion, alertLogLastSeq: alertLog.lastSeq() };
      } catch (err) {
        return { ...base, ok: false, error: (err as Error).message };
      }
    },
    close: () => (closing ??= close()),
  };
}
