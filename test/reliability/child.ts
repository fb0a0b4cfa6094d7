// `citysense start` as a child process on free ports, as an operator would run it: for the
// crash tests, which must kill the real process (SIGKILL) and start it again on the same data.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SpawnedService, spawnService } from '../../harness/spawn-service.js';

export type Child = SpawnedService;

/** Start the service with `env` over the defaults of spawnService. */
export function startChild(env: Record<string, string>): Promise<Child> {
  return spawnService({ env });
}

/** A crash test's temp folder and the children it starts there; `cleanup` kills the last one and removes the folder. */
export function crashRig(prefix: string) {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  let last: Child | undefined;
  return {
    dir,
    async start(env: Record<string, string>): Promise<Child> {
      last = await startChild(env);
      return last;
    },
    async cleanup(): Promise<void> {
      last?.proc.kill('SIGKILL');
      await last?.exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
