// Service-level routes: health, metrics, the rule set and the dead-letter log.
import type { Hub, IncidentService, Route, Router } from '../alerts/index.js';
import type { CitysenseBroker } from '../broker/index.js';
import type { Ingest } from '../ingest/index.js';
import type { RuleEngine } from '../rules/index.js';
import type { SqliteStore } from '../store/index.js';
import type { MetricsRegistry } from './metrics.js';

export interface RouteDeps {
  store: SqliteStore;
  broker: CitysenseBroker;
  ingest: Ingest;
  engine: RuleEngine;
  incidents: IncidentService;
  hub: Hub;
  metrics: MetricsRegistry;
  router: Router;
  clock: () => number;
}

/** Routes that need no token (DESIGN: /api/health and /metrics). */
export function publicRoutes({ store, broker, engine, hub, metrics, clock }: RouteDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/health',
      handler: () => {
        const s = store.health();
        const b = broker.stats();
        const rules = engine.rules();
        const ok = s.ok;
        return {
          status: ok ? 200 : 503,
          body: {
            status: ok ? 'ok' : 'degraded',
            time: new Date(clock()).toISOString(),
            broker: { ok: true, ...b },
            store: s,
            influxdb: { ok: true, configured: false, note: 'telemetry is stored in SQLite' },
            rules: { ok: true, count: rules.length },
            websocket: { clients: hub.clientCount() },
          },
        };
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      handler: () => ({ status: 200, body: metrics.render(), contentType: 'text/plain; version=0.0.4; charset=utf-8' }),
    },
  ];
}

/** Token-protected service routes beside /api/incidents. */
export function apiRoutes({ engine, ingest, router }: RouteDeps): Route[] {
  return [
    { method: 'GET', path: '/api/rules', handler: () => ({ status: 200, body: { rules: engine.rules() } }) },
    {
      method: 'GET',
      path: '/api/rejected',
      handler: ({ query }) => {
        const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? 100) || 100));
        return { status: 200, body: { count: ingest.stats().refused, rejected: ingest.deadLetters.list(limit) } };
      },
    },
    { method: 'GET', path: '/api/departments', handler: () => ({ status: 200, body: { departments: router.departments(), routing: router.table() } }) },
  ];
}
