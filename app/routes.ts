// Service-level routes: health, metrics, the rule set and the dead-letter log.
import type { Hub, IncidentService, Route, Router } from '../alerts/index.js';
import type { CitysenseBroker } from '../broker/index.js';
import type { Ingest } from '../ingest/index.js';
import { errorReply } from '../alerts/index.js';
import { formatRuleIssue, type RuleEngine, type RuleSetHolder } from '../rules/index.js';
import type { CaseStore, InfluxSink, SqliteTelemetrySink } from '../store/index.js';
import type { DetectionPath } from './detection-path.js';
import type { MetricsRegistry } from './metrics.js';

export interface RouteDeps {
  store: CaseStore;
  /** The SQLite telemetry sink, for its row counts (single-node mode without InfluxDB). */
  sqliteTelemetry?: SqliteTelemetrySink;
  /** Cluster mode: this node's partitions, leases and log (app/cluster-node.ts). */
  cluster?: { health(): object };
  broker: CitysenseBroker;
  ingest: Ingest;
  engine: RuleEngine;
  incidents: IncidentService;
  hub: Hub;
  metrics: MetricsRegistry;
  router: Router;
  clock: () => number;
  /** The running rule set (hot reload); without it the rules are read from the engine. */
  rules?: RuleSetHolder;
  /** The InfluxDB sink when configured; telemetry is in SQLite otherwise. */
  influx?: InfluxSink;
  /** The alert path (docs/operations.md § Durability): degraded from a detection given up until one goes through. */
  detections?: DetectionPath;
}

/** Routes that need no token (DESIGN: /api/health and /metrics). */
export function publicRoutes({
  store,
  broker,
  engine,
  hub,
  metrics,
  clock,
  rules: ruleSet,
  influx,
  detections,
  cluster,
}: RouteDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/health',
      handler: () => {
        const s = store.health();
        const b = broker.stats();
        const rules = engine.rules();
        const ok = s.ok;
        const alertPath = detections?.health() ?? { ok: true, waiting: 0 };
        return {
          status: ok ? 200 : 503,
          body: {
            // An unreachable InfluxDB degrades the service but is no 503: its data waits in the spool.
            // So does a detection given up after its retries, until one goes through: its rule raises it again.
            status: ok && (influx?.health().ok ?? true) && alertPath.ok ? 'ok' : 'degraded',
            time: new Date(clock()).toISOString(),
            broker: { ok: true, ...b },
            store: s,
            influxdb: influx
              ? influxHealth(influx)
              : { ok: true, configured: false, note: `telemetry is stored in ${cluster ? 'PostgreSQL' : 'SQLite'}` },
            rules: { ok: true, count: rules.length, ...(ruleSet ? ruleSetHealth(ruleSet) : {}) },
            websocket: { clients: hub.clientCount() },
            detections: alertPath,
            ...(cluster ? { cluster: cluster.health() } : {}),
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
export function apiRoutes({ engine, ingest, router, rules: ruleSet }: RouteDeps): Route[] {
  return [
    ...ruleRoutes(engine, ruleSet),
    {
      method: 'GET',
      path: '/api/rejected',
      handler: ({ query }) => {
        const limit = Math.min(1000, Math.max(1, Number(query.get('limit') ?? 100) || 100));
        return { status: 200, body: { count: ingest.stats().refused, rejected: ingest.deadLetters.list(limit) } };
      },
    },
    {
      method: 'GET',
      path: '/api/departments',
      handler: () => ({ status: 200, body: { departments: router.departments(), routing: router.table() } }),
    },
  ];
}

const ruleSetHealth = (r: RuleSetHolder) => {
  const { version, hash, enabled, source, loadedAt, lastError } = r.info();
  return {
    version,
    hash,
    enabled,
    source,
    loadedAt: new Date(loadedAt).toISOString(),
    ...(lastError
      ? { lastError: { at: new Date(lastError.at).toISOString(), source: lastError.source, issues: lastError.issues.length } }
      : {}),
  };
};

/** GET /api/rules (as written: durations as strings) and PUT /api/rules (DESIGN: invalid → 400, old set keeps running). */
function ruleRoutes(engine: RuleEngine, ruleSet: RuleSetHolder | undefined): Route[] {
  if (!ruleSet) return [{ method: 'GET', path: '/api/rules', handler: () => ({ status: 200, body: { rules: engine.rules() } }) }];
  return [
    {
      method: 'GET',
      path: '/api/rules',
      handler: () => ({ status: 200, body: { rules: ruleSet.written(), version: ruleSet.info().version, hash: ruleSet.info().hash } }),
    },
    {
      method: 'PUT',
      path: '/api/rules',
      role: 'admin',
      handler: ({ body, principal }) => {
        // The token name is the author of the rule versions this makes (docs/rules.md § Versions).
        const r = ruleSet.replace(body, 'api', principal?.name);
        if (!r.ok) {
          const issues = r.issues.map((i) => ({
            path: i.path || '(body)',
            message: formatRuleIssue(i),
            ...(i.ruleId ? { ruleId: i.ruleId } : {}),
          }));
          return errorReply(400, 'invalid_rules', `rule set refused (${issues.length} error(s)); the running set is unchanged`, issues);
        }
        return { status: 200, body: { version: r.info.version, hash: r.info.hash, count: r.info.count, changed: r.changed, kept: r.kept } };
      },
    },
  ];
}

/** The `influxdb` block of /api/health. Unreachable is not a 503: accepted data is spooled, not lost. */
function influxHealth(influx: InfluxSink) {
  const { state, reachable, ...counts } = influx.stats();
  return { ok: reachable && state !== 'closed', configured: true, state, ...counts };
}
