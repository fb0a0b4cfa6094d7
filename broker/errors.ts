// Named errors of the broker stage (STYLE: errors carry a code).

/** The device registry file is missing, unreadable or invalid; `message` names device and field. */
export class RegistryError extends Error {
  override readonly name = 'RegistryError';
  readonly code = 'REGISTRY_INVALID';
  constructor(
    message: string,
    readonly issues: ReadonlyArray<{ device?: string; path: string; message: string }> = [],
  ) {
    super(message);
  }
}

/** Named error: a certificate or key that cannot be read or does not fit together. */
export class TlsError extends Error {
  override readonly name = 'TlsError';
  readonly code = 'TLS_INVALID';
}
