// `citysense start` as a child process on free ports, as an operator would run it: for the
// crash tests, which must kill the real process (SIGKILL) and start it again on the same data.
import { type SpawnedService, spawnService } from '../support/spawn-service.js';

export type Child = SpawnedService;

/** Start the service with `env` over the defaults of spawnService. */
export function startChild(env: Record<string, string>): Promise<Child> {
  return spawnService({ env });
}
