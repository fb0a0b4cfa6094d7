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
