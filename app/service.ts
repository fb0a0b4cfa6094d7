// The composition root (STYLE.md: app/ is the only place that wires stages together).
// broker → ingest → rules → alerts, with store/ underneath and the HTTP/WS server on top.
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { share, type Subscription } from 'rxjs';
import {
  createHub,
  createIncidentService,
  createRouter,
  incidentRoutes,
  loadRoutingTable,
} from '../alerts/index.js';
import { createBroker, loadRegistry } from '../broker/index.js';
import { createGridLocator, createIngest } from '../ingest/index.js';
import { createRuleEngine, formatRuleIssue, loadRuleFileFromPath } from '../rules/index.js';
import { openSqliteStore } from '../store/index.js';
import type { Config } from './config.js';
import { startDemo } from './demo.js';
import { startHttpServer } from './http-server.js';
import { MetricsRegistry } from './metrics.js';
import { apiRoutes, publicRoutes } from './routes.js';

export interface RunningService {
  token: string;
  ports: { mqtt: number; mqttWs: number; http: number };
  urls: { http: string; console: string; ws: string; mqtt: string; mqttWs: string };
  /** What `citysense start` prints. */
  banner(): string;
  /** Graceful shutdown: demo, HTTP/WS, broker, rule streams, then the store is flushed. */
  stop(): Promise<void>;
}

export class StartupError extends Error {
  readonly code = 'startup_failed';
}

/** Start every stage on the given configuration. */
export async function startService(config: Config, opts: { logger?: Logger; clock?: () => number } = {}): Promise<RunningService> {
  const logger = opts.logger ?? pino({ name: 'citysense', level: config.logLevel });
  const clock = opts.clock ?? Date.now;
  const allowAnonymous = config.allowAnonymous ?? config.demo;

  const ruleFile = await loadRuleFileFromPath(config.rules);
  if (!ruleFile.ok) throw new StartupError(`rule file ${config.rules} is invalid:\n${ruleFile.issues.map((i) => `  - ${formatRuleIssue(i)}`).join('\n')}`);
  const routing = loadRoutingTable(config.routing);
  if (!routing.ok) throw new StartupError(`routing table ${config.routing} is invalid:\n${routing.issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`);
  const registry = await loadRegistry(config.devices);
  const grid = createGridLocator({ cellSizeM: config.grid.cellSizeM, geojsonPath: config.grid.geojson });
  if (config.influx) logger.warn({ url: config.influx.url }, 'InfluxDB is configured but not supported yet: telemetry stays in SQLite');

  const store = openSqliteStore({ dataDir: config.dataDir, telemetryRetentionMs: config.telemetryRetention, logger });
  const cleanups: Array<() => Promise<void> | void> = [() => store.close()];
  const stop = async () => {
    for (const fn of cleanups.splice(0).reverse()) {
      try {
        await fn();
      } catch (err) {
        logger.error({ err }, 'error during shutdown');
      }
    }
  };

  try {
    const metrics = new MetricsRegistry();
    const broker = await createBroker({
      mqttPort: config.mqtt.port,
      wsPort: config.mqtt.wsPort,
      host: config.mqtt.host,
      allowAnonymous,
      registry,
      logger,
    });
    const brokerPorts = await broker.start();
    cleanups.push(() => broker.close());

    const ingest = createIngest({ broker, registry, grid, logger });
    cleanups.push(() => ingest.close());

    const router = createRouter(routing.value);
    let incidents: ReturnType<typeof createIncidentService>;
    const hub = createHub({
      log: store.alertLog,
      logger: logger.child({ stage: 'ws' }),
      onAck: (incidentId, by) => {
        const r = incidents.act(incidentId, { action: 'acknowledge', by });
        return r.ok ? { ok: true } : r;
      },
    });
    cleanups.push(() => hub.close());
    incidents = createIncidentService({
      store: store.incidents,
      router,
      publish: (m) => hub.publish(m),
      clock,
      gridOf: (loc) => grid.locate(loc),
      logger,
    });

    const countDetection = metrics.counter('citysense_detections_total', 'Detections emitted by rules');
    const countRuleError = metrics.counter('citysense_rule_errors_total', 'Rule evaluation errors (the reading is skipped for that rule only)');
    const engine = createRuleEngine({
      rules: ruleFile.rules,
      onError: (err, ctx) => {
        countRuleError({ rule: ctx.ruleId });
        logger.warn({ err, ruleId: ctx.ruleId }, 'rule failed on a reading');
      },
    });

    const readings$ = ingest.readings$.pipe(share());
    const subs: Subscription[] = [];
    subs.push(
      readings$.subscribe((r) => store.telemetry.writeReadings([r])),
      engine.detections(readings$).subscribe((d) => {
        countDetection({ rule: d.ruleId, severity: d.severity, phase: d.phase });
        try {
          store.telemetry.writeDetections([d]);
          incidents.onDetection(d);
        } catch (err) {
          // A failing detection must not end the rule stream for everyone else.
          logger.error({ err, detection: d }, 'detection could not be handled');
        }
      }),
    );
    cleanups.push(() => subs.forEach((s) => s.unsubscribe()));

    const deadlines = setInterval(() => {
      try {
        incidents.checkDeadlines();
      } catch (err) {
        logger.error({ err }, 'deadline check failed');
      }
    }, config.deadlineCheckInterval);
    deadlines.unref();
    cleanups.push(() => clearInterval(deadlines));

    const token = config.operatorToken ?? randomBytes(18).toString('base64url');
    const deps = { store, broker, ingest, engine, incidents, hub, metrics, router, clock };
    registerMetrics(deps);
    const http = await startHttpServer({
      host: config.http.host,
      port: config.http.port,
      token,
      logger: logger.child({ stage: 'http' }),
      routes: [...incidentRoutes({ incidents, telemetry: store.telemetry, clock }), ...apiRoutes(deps)],
      publicRoutes: publicRoutes(deps),
      onWebSocket: (ws) => hub.attach(ws),
    });
    cleanups.push(() => http.close());

    const host = (h: string) => (h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h);
    const httpBase = `http://${host(config.http.host)}:${http.port}`;
    const urls = {
      http: httpBase,
      console: `${httpBase}/?token=${token}`,
      ws: `ws://${host(config.http.host)}:${http.port}/ws`,
      mqtt: `mqtt://${host(config.mqtt.host)}:${brokerPorts.mqttPort}`,
      mqttWs: `ws://${host(config.mqtt.host)}:${brokerPorts.wsPort}/mqtt`,
    };
    if (config.demo) {
      const demo = startDemo({ url: urls.mqtt, logger: logger.child({ stage: 'demo' }) });
      cleanups.push(() => demo.stop());
    }
    logger.info({ ...urls, console: `${httpBase}/` }, 'citysense started');
    return {
      token,
      ports: { mqtt: brokerPorts.mqttPort, mqttWs: brokerPorts.wsPort, http: http.port },
      urls,
      banner: () =>
        [
          '',
          'citysense is running',
          `  console / API   ${urls.http}`,
          `  WebSocket       ${urls.ws}`,
          `  MQTT            ${urls.mqtt}   (over WebSocket: ${urls.mqttWs})`,
          `  operator token  ${token}`,
          `  try:  curl -H "Authorization: Bearer ${token}" ${urls.http}/api/incidents`,
          config.demo ? '  demo simulation on (CITYSENSE_DEMO=0 turns it off)' : '',
          '',
        ].join('\n'),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

type Deps = Parameters<typeof apiRoutes>[0];

function registerMetrics({ store, broker, ingest, hub, metrics }: Deps) {
  metrics.collect('citysense_readings_accepted_total', 'Messages accepted by ingest', 'counter', () => ingest.stats().accepted);
  metrics.collect('citysense_readings_refused_total', 'Messages refused by ingest or the broker, by reason', 'counter', () =>
    Object.entries(ingest.stats().byReason).map(([reason, value]) => ({ labels: { reason }, value })),
  );
  metrics.collect('citysense_broker_refused_total', 'Connections, publishes and subscriptions refused by the broker', 'counter', () => {
    const s = broker.stats();
    return [
      { labels: { what: 'connect' }, value: s.connectsRefused },
      { labels: { what: 'publish' }, value: s.publishesRefused },
      { labels: { what: 'subscribe' }, value: s.subscribesRefused },
    ];
  });
  metrics.collect('citysense_telemetry_written_total', 'Rows written to the telemetry store', 'counter', () => {
    const t = store.telemetry.stats();
    return [
      { labels: { what: 'reading' }, value: t.readingsWritten },
      { labels: { what: 'detection' }, value: t.detectionsWritten },
    ];
  });
  metrics.collect('citysense_telemetry_pending', 'Telemetry rows waiting for their write', 'gauge', () => store.telemetry.stats().pending);
  metrics.collect('citysense_telemetry_write_errors_total', 'Failed telemetry batch writes (rows are kept and retried)', 'counter', () => store.telemetry.stats().writeErrors);
  metrics.collect('citysense_telemetry_dropped_total', 'Telemetry rows dropped after the pending buffer overflowed', 'counter', () => store.telemetry.stats().dropped);
  metrics.collect('citysense_alert_log_seq', 'Last seq of the durable alert log', 'gauge', () => store.alertLog.lastSeq());
  metrics.collect('citysense_ws_clients', 'Connected WebSocket clients', 'gauge', () => hub.clientCount());
}
