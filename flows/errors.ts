// Errors of the flows stage.

/** Node-RED could not be started (e.g. a second runtime in one process). */
export class FlowsError extends Error {
  readonly code = 'flows_failed';
}
