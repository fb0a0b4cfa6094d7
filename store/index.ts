// Public face of the store stage: the contracts, and the SQLite (one node) and PostgreSQL
// (cluster mode) implementations behind them.
export type {
  AlertLog,
  CaseReader,
  CaseStore,
  DetectionClaims,
  CaseStoreHealth,
  FollowUpStore,
  EvidenceStore,
  IncidentEventRecord,
  IncidentQuery,
  IncidentStore,
  LogMessage,
  MutedKeyStore,
  RuleStateStore,
  RuleVersion,
  RuleVersionStore,
  SilenceStore,
  SinkHealth,
  TelemetryQuery,
  TelemetrySink,
  Transaction,
} from './types.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export { isTransientSqliteError, isTransientPgError, PgError } from './errors.js';
export { SqliteStoreOptions, type OpenSqliteStoreOptions, type SqliteStoreDeps } from './options.js';
export {
  DB_FILE_NAME,
  TELEMETRY_DB_FILE_NAME,
  openSqliteStore,
  type MaintenanceResult,
  type SqliteStore,
  type StoreHealth,
} from './sqlite.js';
export type { SqliteAlertLog } from './sqlite-alert-log.js';
export { createSqliteRuleStateStore } from './sqlite-rule-state.js';
export { openSqliteReadingsReader, type ReadingsReader } from './sqlite-readings-reader.js';
export type { SqliteTelemetrySink, TelemetryStats } from './sqlite-telemetry.js';
export { bucketStart, toSeries, MetricSeries, SeriesPoint, SeriesQuery, type BucketRow, type TelemetryReader } from './telemetry-series.js';
export { createSqliteTelemetryReader } from './sqlite-series.js';
export { DEFAULT_INCIDENT_LIMIT, MAX_INCIDENT_LIMIT } from '../model/incident.js';
// The InfluxDB sink: the same TelemetrySink, with a spool in the SQLite file.
export {
  InfluxSinkOptions,
  createInfluxSink,
  openInfluxReader,
  openInfluxTelemetryReader,
  openSpool,
  type InfluxReader,
  type InfluxSink,
  type InfluxSinkOptionsInput,
  type InfluxSinkStats,
  authHeader,
  createLineEncoder,
  dbrp,
} from './influx/index.js';
export { openCaseFile, type CaseFile } from './sqlite-case-file.js';
// The synchronous PostgreSQL client the cluster's store runs on, and the store.
export { openSyncPg, type SyncPg, type SyncPgOptions } from './postgres/sync-pg.js';
export {
  PostgresStoreOptions,
  openPostgresStore,
  type OpenPostgresStoreOptions,
  type PgAlertLog,
  type PgTelemetrySink,
  type PgTelemetryStats,
  type PostgresStore,
  type PostgresStoreHealth,
} from './postgres/index.js';
