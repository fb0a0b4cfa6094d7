// Public face of the store stage: the contracts and the SQLite implementation behind them.
export type {
  AlertLog,
  IncidentQuery,
  IncidentStore,
  LogMessage,
  TelemetryQuery,
  TelemetrySink,
} from './types.js';
export { StoreError, type StoreErrorCode } from './errors.js';
export { SqliteStoreOptions, type OpenSqliteStoreOptions, type SqliteStoreDeps } from './options.js';
export {
  DB_FILE_NAME,
  openSqliteStore,
  type MaintenanceResult,
  type SqliteStore,
  type StoreHealth,
} from './sqlite.js';
export type { SqliteAlertLog } from './sqlite-alert-log.js';
export type { SqliteTelemetrySink, TelemetryStats } from './sqlite-telemetry.js';
export { DEFAULT_INCIDENT_LIMIT, MAX_INCIDENT_LIMIT } from './sqlite-incidents.js';
