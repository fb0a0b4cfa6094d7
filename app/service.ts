// The composition root (STYLE.md: app/ is the only place that wires stages together).
// broker → ingest → rules → alerts, with store/ underneath and the HTTP/WS server on top.
import { randomBytes } from 'node:crypto';
import { pino, type Logger } from 'pino';
import { join } from 'node:path';
import { share, Subject, type Subscription } from 'rxjs';
import {
  auditOf,
  createHub,
  inScope,
  createIncidentService,
  createRouter,
  createSilenceService,
  evaluationRoutes,
  managementRoutes,
  incidentRoutes,
  loadRoutingTable,
} from '../alerts/index.js';
import { createBroker, loadRegistry, loadTlsFiles, TlsError } from '../broker/index.js';
import { createFlowsBridge, type IncidentChange, startFlows } from '../flows/index.js';
import { createConsoleMount } from '../console/index.js';
import { createGridLocator, createIngest } from '../ingest/index.js';
import { createRuleEngine, type Detection, formatRuleIssue, loadRuleFileFromPath } from '../rules/index.js';
import type { Incident, IncidentEvent } from '../alerts/incident.js';
import { DB_FILE_NAME, createInfluxSink, openSqliteStore, openSpool, type InfluxSink, type TelemetrySink } from '../store/index.js';
import type { Config } from './config.js';
import { startDemo } from './demo.js';
import { createAuthenticator } from './auth.js';
import { startHttpServer } from './http-server.js';
import { MetricsRegistry } from './metrics.js';
import { apiRoutes, publicRoutes } from './routes.js';
import { startRulesRuntime } from './rules-runtime.js';

export interface RunningService {
  token: string;
  ports: { mqtt: number; mqttWs: number; http: number };
  urls: { http: string; console: string; ws: string; mqtt: string; mqttWs: string; flows?: string };
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
  const tls = loadTls(config);
  const token = config.operatorToken ?? randomBytes(18).toString('base64url');
  let auth: ReturnType<typeof createAuthenticator>;
  try {
    auth = createAuthenticator(token, config.tokens);
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  const grid = createGridLocator({ cellSizeM: config.grid.cellSizeM, geojsonPath: config.grid.geojson });

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
    // DESIGN § Storage: telemetry, detections and incident events go to InfluxDB when it is
    // configured (closed before the store, whose file holds its spool), else to SQLite.
    const influx = config.influx ? openInfluxSink(config.influx, config.dataDir, logger) : undefined;
    if (influx) cleanups.push(() => influx.close());
    const telemetry: TelemetrySink = influx ?? store.telemetry;
    const metrics = new MetricsRegistry();
    const broker = await createBroker({
      mqttPort: config.mqtt.port,
      wsPort: config.mqtt.wsPort,
      host: config.mqtt.host,
      allowAnonymous,
      registry,
      logger,
      limits: config.limits,
      tls,
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
      onAck: (incidentId, by, principal) => {
        // Out of a scoped responder's department reads as unknown, as over HTTP.
        if (!inScope(principal, incidents.get(incidentId)?.department)) return { ok: false, status: 404, code: 'not_found', message: `no incident ${incidentId}` };
        const r = incidents.act(incidentId, { action: 'acknowledge', by }, auditOf(principal));
        return r.ok ? { ok: true } : r;
      },
      departmentOf: (m) => (m.type === 'incident' ? (m.incident as Incident | undefined)?.department : m.alert ? departmentOfAlert(m.alert as Detection) : undefined),
    });
    const departmentOfAlert = (d: Detection) => d.department ?? router.route(d).department;
    cleanups.push(() => hub.close());
    // Incident changes as a stream, for Node-RED's `citysense incident` nodes.
    const incidentChanges = new Subject<IncidentChange>();
    cleanups.push(() => incidentChanges.complete());
    // Silences and inhibition (issue #6): muted detections are stored and counted, never pushed.
    const silences = createSilenceService({ store: store.silences, clock });
    const countMuted = metrics.counter('citysense_detections_muted_total', 'Detections muted by a silence or an inhibiting incident (stored, not pushed)');
    incidents = createIncidentService({
      store: store.incidents,
      router,
      publish: (m) => {
        const seq = hub.publish(m);
        if (m.type === 'incident') incidentChanges.next(m as unknown as IncidentChange);
        if (m.type === 'incident') writeIncidentEvent(telemetry, m as { incident?: Incident; event?: IncidentEvent }, logger);
        return seq;
      },
      clock,
      gridOf: (loc) => grid.locate(loc),
      silences,
      onMuted: (d, why) => countMuted({ reason: why.reason, rule: d.ruleId }),
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

    // Before the engine is subscribed: saved `for` timers and windows go on where they were.
    const rulesRuntime = startRulesRuntime({ engine, initial: ruleFile, path: config.rules, stateStore: store.ruleState, logger, clock });
    const readings$ = ingest.readings$.pipe(share());
    // The one path of every detection, from rules and from Node-RED's `citysense alert` nodes alike.
    const handleDetection = (d: Detection) => {
      countDetection({ rule: d.ruleId, severity: d.severity, phase: d.phase });
      try {
        telemetry.writeDetections([d]);
        incidents.onDetection(d);
      } catch (err) {
        // A failing detection must not end the rule stream for everyone else.
        logger.error({ err, detection: d }, 'detection could not be handled');
      }
    };
    const subs: Subscription[] = [];
    subs.push(
      readings$.subscribe((r) => telemetry.writeReadings([r])),
      engine.detections(readings$).subscribe(handleDetection),
    );
    cleanups.push(() => subs.forEach((s) => s.unsubscribe()));
    cleanups.push(() => rulesRuntime.stop()); // runs before the unsubscribe above: it saves the live state

    const deadlines = setInterval(() => {
      try {
        incidents.checkDeadlines();
      } catch (err) {
        logger.error({ err }, 'deadline check failed');
      }
    }, config.deadlineCheckInterval);
    deadlines.unref();
    cleanups.push(() => clearInterval(deadlines));

    // Node-RED at /flows (issue #5); its admin password defaults to the operator token.
    const flows = config.flows.enabled
      ? await startFlows({
          userDir: config.flows.userDir ?? join(config.dataDir, 'flows'),
          user: config.flows.user,
          password: config.flows.password ?? token,
          logger,
          bridge: createFlowsBridge({ readings$, incidents$: incidentChanges, onDetection: handleDetection, clock }),
        })
      : undefined;
    if (flows) cleanups.push(() => flows.stop());
    const deps = { store, broker, ingest, engine, incidents, hub, metrics, router, clock, influx, rules: rulesRuntime.rules };
    registerMetrics(deps);
    const http = await startHttpServer({
      host: config.http.host,
      port: config.http.port,
      auth,
      tls,
      logger: logger.child({ stage: 'http' }),
      routes: [
        ...incidentRoutes({ incidents, telemetry, clock }),
        ...apiRoutes(deps),
        ...managementRoutes({ incidents, silences, cap: { ...config.cap, utcOffsetMinutes: config.utcOffsetMinutes }, clock }),
        ...evaluationRoutes({ cases: store.cases, clock, utcOffsetMinutes: config.utcOffsetMinutes }),
      ],
      publicRoutes: publicRoutes(deps),
      onWebSocket: (ws, principal) => hub.attach(ws, principal),
      // The operator console at / (after every API route, so it never shadows one).
      mounts: [...(flows ? [flows.mount] : []), createConsoleMount({ cellSizeM: config.grid.cellSizeM })],
    });
    cleanups.push(() => http.close());

    const host = (h: string) => (h === '0.0.0.0' || h === '::' ? '127.0.0.1' : h);
    const s = tls ? 's' : '';
    const httpBase = `http${s}://${host(config.http.host)}:${http.port}`;
    const urls = {
      http: httpBase,
      console: `${httpBase}/?token=${token}`,
      ws: `ws${s}://${host(config.http.host)}:${http.port}/ws`,
      mqtt: `mqtt${s}://${host(config.mqtt.host)}:${brokerPorts.mqttPort}`,
      mqttWs: `ws${s}://${host(config.mqtt.host)}:${brokerPorts.wsPort}/mqtt`,
      ...(flows ? { flows: `${httpBase}${flows.mount.prefix}/` } : {}),
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
          `  console         ${urls.console}`,
          `  API             ${urls.http}`,
          `  WebSocket       ${urls.ws}`,
          `  MQTT            ${urls.mqtt}   (over WebSocket: ${urls.mqttWs})`,
          `  operator token  ${token}`,
          urls.flows
            ? `  Node-RED        ${urls.flows}   (user ${config.flows.user}, password ${config.flows.password ? 'as configured (CITYSENSE_FLOWS_PASSWORD)' : 'the operator token'})`
            : '',
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

/** The certificate and key when TLS is configured (README § Security and production). */
function loadTls(config: Config) {
  if (!config.tls) return undefined;
  try {
    return loadTlsFiles(config.tls.cert, config.tls.key);
  } catch (err) {
    if (err instanceof TlsError) throw new StartupError(err.message);
    throw err;
  }
}

function registerMetrics({ store, broker, ingest, hub, metrics, influx }: Deps) {
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
  // Overload and abuse (issue #8; README § Security and production): what was slowed or shed.
  metrics.collect('citysense_ws_slow_clients_dropped_total', 'WebSocket clients cut off because their send buffer passed the bound', 'counter', () => hub.slowClientsDropped());
  metrics.collect('citysense_broker_limited_total', 'Device traffic slowed or shed by the broker limits, by what', 'counter', () => {
    const b = broker.stats();
    const what = { connect_rate: b.connectsRateLimited, publish_rate: b.publishesRateLimited, packet_too_large: b.packetsTooLarge, publish_held: b.publishesHeld, publish_shed: b.publishesShed };
    return Object.entries(what).map(([k, value]) => ({ labels: { what: k }, value }));
  });
  metrics.collect('citysense_broker_publishes_waiting', 'Publishes held right now while the broker emitter is backed up', 'gauge', () => broker.stats().publishesWaiting);
  if (influx) registerInfluxMetrics(metrics, influx);
}

/** The InfluxDB sink over its spool in the store's SQLite file (README § InfluxDB). */
function openInfluxSink(c: NonNullable<Config['influx']>, dataDir: string, logger: Logger): InfluxSink {
  const batchSize = c.batchSize ?? 1000;
  const spool = openSpool(join(dataDir, DB_FILE_NAME), { rowLines: batchSize });
  try {
    // Durations come parsed to ms from the config schema; undefined takes the sink's default.
    return createInfluxSink(
      {
        url: c.url,
        token: c.token,
        org: c.org,
        bucket: c.bucket,
        api: c.api,
        batchSize,
        flushIntervalMs: c.flushInterval,
        maxRetries: c.maxRetries,
        maxRetryTimeMs: c.maxRetryTime,
        minRetryDelayMs: c.minRetryDelay,
        maxRetryDelayMs: c.maxRetryDelay,
        maxBufferLines: c.maxBufferLines,
        replayIntervalMs: c.replayInterval,
        timeoutMs: c.timeout,
      },
      { spool, logger },
    );
  } catch (err) {
    spool.close();
    throw err;
  }
}

/** Incident lifecycle events to the time-series sink; a failing sink never stops the loop. */
function writeIncidentEvent(sink: TelemetrySink, m: { incident?: Incident; event?: IncidentEvent }, logger: Logger): void {
  if (!m.incident || !m.event) return;
  try {
    sink.writeIncidentEvents([{ incident: m.incident, event: m.event }]);
  } catch (err) {
    logger.error({ err, incidentId: m.incident.id }, 'incident event could not go to the telemetry sink');
  }
}

/** The InfluxDB sink's books (README § InfluxDB § Accounting). */
function registerInfluxMetrics(metrics: MetricsRegistry, influx: InfluxSink): void {
  metrics.collect('citysense_influx_up', 'Whether the last request to InfluxDB was answered (1) or not (0)', 'gauge', () => (influx.stats().reachable ? 1 : 0));
  metrics.collect('citysense_influx_points_total', 'Line-protocol points by outcome: accepted, written (replayed included), replayed, rejected, replay_rejected, spooled, lost', 'counter', () => {
    const s = influx.stats();
    const outcomes = { accepted: s.accepted, written: s.written, replayed: s.replayed, rejected: s.rejected, replay_rejected: s.replayRejected, spooled: s.spooled, lost: s.lost };
    return Object.entries(outcomes).map(([outcome, value]) => ({ labels: { outcome }, value }));
  });
  metrics.collect('citysense_influx_queue_points', 'Points in the client: batching, on the wire or in its retry buffer', 'gauge', () => influx.stats().queued);
  metrics.collect('citysense_influx_retry_points', 'Points in the client retry buffer', 'gauge', () => influx.stats().retrying);
  metrics.collect('citysense_influx_spool_points', 'Points in the SQLite spool waiting for a replay', 'gauge', () => influx.stats().spoolDepth);
  metrics.collect('citysense_influx_in_flight_requests', 'Write requests on the wire', 'gauge', () => influx.stats().inFlight);
  metrics.collect('citysense_influx_failed_requests_total', 'Failed write requests (each retried, spooled or refused)', 'counter', () => influx.stats().failedRequests);
}
