// Wiring of notify/ into the service: secrets resolved (a missing one stops start-up naming its
// field), the notifications counter, and the routes. Kept apart so service.ts changes little.
import type { Logger } from 'pino';
import type { IncidentService, Route } from '../alerts/index.js';
import { ackRoutes, createNotifier, type Notifier, notifyRoutes, resolveSecrets, SecretError } from '../notify/index.js';
import type { Config } from './config.js';
import { ConfigError } from './errors.js';
import type { MetricsRegistry } from './metrics.js';

/** The running notifier and its routes. */
export interface NotifyHandle {
  notifier: Notifier;
  routes: Route[];
  publicRoutes: Route[];
  stop: () => Promise<void>;
}

/** Start notifications when the config has a `notify` block; undefined otherwise. */
export function startNotify(
  config: Config,
  deps: {
    incidents: IncidentService;
    office: string;
    clock: () => number;
    logger: Logger;
    metrics: MetricsRegistry;
    baseUrl: () => string;
  },
  env: NodeJS.ProcessEnv = process.env,
): NotifyHandle | undefined {
  if (!config.notify) return undefined;
  let resolved;
  try {
    resolved = resolveSecrets(config.notify, env);
  } catch (err) {
    if (err instanceof SecretError)
      throw new ConfigError([{ path: err.path, message: err.message.slice(err.path.length + 2) }], 'notify secrets');
    throw err;
  }
  const count = deps.metrics.counter(
    'citysense_notifications_total',
    'Notification delivery attempts by receiver and outcome (delivered, retry, failed)',
  );
  const notifier = createNotifier({
    config: resolved,
    dataDir: config.dataDir,
    incidents: deps.incidents,
    office: deps.office,
    clock: deps.clock,
    logger: deps.logger.child({ stage: 'notify' }),
    utcOffsetMinutes: config.utcOffsetMinutes,
    baseUrl: deps.baseUrl,
    count,
  });
  return {
    notifier,
    routes: notifyRoutes({ notifier, incidents: deps.incidents, office: deps.office, clock: deps.clock }),
    publicRoutes: ackRoutes({ notifier, incidents: deps.incidents, clock: deps.clock }),
    stop: () => notifier.stop(),
  };
}
