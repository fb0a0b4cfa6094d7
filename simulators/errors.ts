// Named errors of the simulator stage.

export interface Issue {
  path: string;
  message: string;
}

/** The options of a simulation are invalid; `issues` name each bad field. */
export class SimulationOptionsError extends Error {
  readonly code = 'SIMULATE_INVALID_OPTIONS';
  constructor(readonly issues: Issue[]) {
    super(`invalid simulation options: ${issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`);
    this.name = 'SimulationOptionsError';
  }
}
