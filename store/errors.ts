// Named store errors (STYLE.md § Errors): callers branch on `code`, not on message text.

/** `dropped`: rows were given up on before they were written (a telemetry buffer overflowed). */
export type StoreErrorCode = 'not_found' | 'duplicate' | 'invalid' | 'closed' | 'write_failed' | 'dropped';

/** A store operation refused or failed; `canRetry` says whether trying again may help. */
export class StoreError extends Error {
  override readonly name = 'StoreError';
  constructor(
    readonly code: StoreErrorCode,
    message: string,
    readonly canRetry = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** True for SQLite errors that a later attempt may get past (lock, busy, full disk, I/O). */
export function isTransientSqliteError(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return (
    typeof code === 'string' &&
    (code.startsWith('SQLITE_BUSY') ||
      code.startsWith('SQLITE_LOCKED') ||
      code.startsWith('SQLITE_FULL') ||
      code.startsWith('SQLITE_IOERR'))
  );
}

/** Refused before sending: too many writes on the wire and waiting. Retriable (not an HttpError). */
export class InFlightLimitError extends Error {
  override readonly name = 'InFlightLimitError';
}

/** SQLSTATEs and client codes after which the same call may succeed later. */
const TRANSIENT_PG = new Set([
  '40001', // serialization_failure
  '40P01', // deadlock_detected
  '55P03', // lock_not_available
  '57014', // query_canceled (statement_timeout)
  '57P01', // admin_shutdown
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
  '53300', // too_many_connections
  '25P02', // in_failed_sql_transaction: the transaction is to be run again from its start
  'timeout',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
]);

/**
 * A PostgreSQL call failed. `code` is the SQLSTATE of a server error (`23505`, `40001`…), the
 * Node code of a connection failure (`ECONNREFUSED`…), or from the client itself: `timeout` (no
 * answer in time; the connection was dropped) or `closed` (the client was closed).
 */
export class PgError extends Error {
  override readonly name = 'PgError';
  /** Whether running the call (or its whole transaction) again may help. */
  readonly canRetry: boolean;
  constructor(
    readonly code: string,
    message: string,
    /** The server's detail of a constraint or data error, when it sent one. */
    readonly info: { constraint?: string; detail?: string; table?: string } = {},
  ) {
    super(message);
    this.canRetry = isTransientPgCode(code);
  }
}

/** Whether a SQLSTATE (class 08 is a lost connection) or a client code names a passing failure. */
export function isTransientPgCode(code: string): boolean {
  return code.startsWith('08') || TRANSIENT_PG.has(code);
}

/** True for PostgreSQL errors that a later attempt may get past (a lost connection, a deadlock, a timeout). */
export function isTransientPgError(err: unknown): boolean {
  return err instanceof PgError && err.canRetry;
}
