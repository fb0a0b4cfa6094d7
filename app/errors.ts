// Named errors of the composition root: start-up refused, configuration invalid.

/** The service cannot start: a rule file, routing table, token or certificate it was given is wrong. */
export class StartupError extends Error {
  readonly code = 'startup_failed';
}

/** The configuration (file and environment) is invalid; `issues` name each field. */
export class ConfigError extends Error {
  readonly code = 'invalid_config';
  constructor(
    readonly issues: Array<{ path: string; message: string }>,
    readonly source: string,
  ) {
    super(`invalid configuration (${source}):\n${issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
  }
}
