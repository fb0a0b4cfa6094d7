// Named errors of the notify stage.

/** A secret reference that could not be resolved, with the config path that named it. */
export class SecretError extends Error {
  readonly code = 'missing_secret';
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
  }
}
