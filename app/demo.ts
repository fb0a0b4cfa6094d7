// The light demo simulation that `npm start` runs unless CITYSENSE_DEMO=0: a small quiet
// fleet, with an occasional incident so the console and /ws have something to show.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { TokenEntry } from './auth.js';
import { runSimulation } from '../simulators/index.js';

export interface DemoOptions {
  url: string;
  logger: Logger;
  incidentEverySec?: number;
}

/** Start the demo fleet in the background; `stop()` ends every device connection. */
export function startDemo({ url, logger, incidentEverySec = 90 }: DemoOptions): { stop(): Promise<void> } {
  const abort = new AbortController();
  const run = runSimulation(
    {
      url,
      scenario: 'normal',
      sensors: 9,
      cameras: 3,
      drones: 1,
      rate: 0.2,
      duration: 0,
      seed: 7,
      incidentEverySec,
      startSec: 10,
      idPrefix: 'demo-',
    },
    { signal: abort.signal, logger },
  ).then(
    (summary) => logger.info(summary, 'demo simulation ended'),
    (err: unknown) => logger.error({ err }, 'demo simulation failed'),
  );
  logger.info({ incidentEverySec }, 'demo simulation started');
  return {
    stop: async () => {
      abort.abort();
      await run;
    },
  };
}

/** The name of the demo's second principal: 核查结案 (close) must come from someone other than the responder. */
export const DEMO_VERIFIER_NAME = 'demo-verifier';

/**
 * A second operator token for the demo, so one person can take a case from feedback to its
 * verified close (a close by the principal that gave the feedback is refused as `same_actor`).
 * None when the configured tokens already name one.
 */
export function demoVerifierToken(configured: readonly TokenEntry[] = []): TokenEntry | undefined {
  if (configured.some((t) => t.name === DEMO_VERIFIER_NAME)) return undefined;
  return { name: DEMO_VERIFIER_NAME, token: randomBytes(18).toString('base64url'), role: 'operator' };
}
