// Named cluster errors (STYLE.md § Errors): callers branch on `code`, not on message text.

/**
 * `log_unavailable`: JetStream did not acknowledge a publish (timeout, no stream, no server), so
 * the reading is not known to be stored; `log_setup`: the stream could not be made.
 */
export type ClusterErrorCode = 'log_unavailable' | 'log_setup';

/** A cluster operation that failed; `canRetry` says whether trying again may help. */
export class ClusterError extends Error {
  override readonly name = 'ClusterError';
  constructor(
    readonly code: ClusterErrorCode,
    message: string,
    readonly canRetry = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The message of any thrown value, for logs and wrapped errors. */
export const messageOf = (err: unknown): string => (err instanceof Error ? err.message : String(err));
