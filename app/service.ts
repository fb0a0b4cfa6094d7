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
  scopeOf,
  createIncidentService,
  createRouter,
  createSilenceService,
  createFollowUps,
  evaluationRoutes,
  managementRoutes,
  incidentRoutes,
  loadRoutingTable,
  createIntake,
  createMutedKeys,
  createMuteLedger,
  sweepAfterActions,
  sweepAfterExpire,
  withFollowUps,
} from '../alerts/index.js';
import { createBroker, loadRegistry, loadTlsFiles, TlsError } from '../broker/index.js';
import { createFlowsBridge, type IncidentChange, startFlows } from '../flows/index.js';
import { DEMO_DISTRICTS_PATH, createConsoleMount } from '../console/index.js';
import { createGridLocator, createIngest, type Reading } from '../ingest/index.js';
import { createRuleEngine, type Detection, formatRuleIssue, loadRuleFileFromPath, stateKeyOf } from '../rules/index.js';
import type { Incident, IncidentEvent } from '../alerts/incident.js';
import { openSqliteStore, type LogMessage, type TelemetrySink } from '../store/index.js';
import type { Config } from './config.js';
import { renderBanner, serviceUrls, type ServiceUrls } from './banner.js';
import { demoVerifierToken, startDemo } from './demo.js';
import { createAuthenticator } from './auth.js';
import { createAuthThrottle } from './auth-throttle.js';
import { startHttpServer } from './http-server.js';
import { MetricsRegistry } from './metrics.js';
import { apiRoutes, publicRoutes } from './routes.js';
import { registerMetrics } from './service-metrics.js';
import { openInfluxSink, writeIncidentEvent } from './telemetry-sink.js';
import { startRulesRuntime } from './rules-runtime.js';
import { createDetectionPath } from './detection-path.js';
import { createReportLimit } from './report-limit.js';
import { createFollowUpMount } from './follow-up-mount.js';
import { deviceRoutes } from './device-routes.js';
import { telemetryReaderFor, trackDevices } from './device-tracking.js';
import { startNotify, type NotifyHandle } from './notify.js';
import { createImprovement } from './improvement.js';

export interface RunningService {
  token: string;
  ports: { mqtt: number; mqttWs: number; http: number };
  urls: ServiceUrls;
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
  const verifier = config.demo ? demoVerifierToken(config.tokens) : undefined;
  let auth: ReturnType<typeof createAuthenticator>;
  try {
    auth = createAuthenticator(token, verifier ? [...(config.tokens ?? []), verifier] : config.tokens);
  } catch (err) {
    throw new StartupError((err as Error).message);
  }
  // The demo's devices publish no district: the demo city's outlines (the console's base map) give one.
  const districtsPath = config.grid.districts ?? (config.demo ? DEMO_DISTRICTS_PATH : undefined);
  const grid = createGridLocator({ cellSizeM: config.grid.cellSizeM, geojsonPath: config.grid.geojson, districtsPath });

  const store = openSqliteStore({ dataDir: config.dataDir, telemetryRetentionMs: config.telemetryRetention, busyTimeoutMs: config.storeBusyTimeout, logger });
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

    const ingest = createIngest({ broker, registry, grid, logger, maxFutureMs: config.ingest.maxFuture });
    cleanups.push(() => ingest.close());

    const router = createRouter(routing.value);
    let incidents: ReturnType<typeof createIncidentService>;
    let notify: NotifyHandle | undefined;
    const hub = createHub({
      log: store.alertLog,
      logger: logger.child({ stage: 'ws' }),
      onAck: (incidentId, by, principal) => {
        // Out of a scoped responder's department reads as unknown, as over HTTP.
        const found = incidents.get(incidentId);
        if (!found || !inScope(principal, scopeOf(found, router.office()))) return { ok: false, status: 404, code: 'not_found', message: `no incident ${incidentId}` };
        const r = incidents.act(incidentId, { action: 'acknowledge', by }, auditOf(principal));
        return r.ok ? { ok: true } : r;
      },
      // An incident message reaches its department and whoever its escalation told (一办 included).
      departmentOf: (m) => (m.type === 'incident' ? scopeOf(m.incident as Incident, router.office()) : m.alert ? departmentOfAlert(m.alert as Detection) : undefined),
    });
    const departmentOfAlert = (d: Detection) => d.department ?? router.route(d).department;
    cleanups.push(() => hub.close());
    // Incident changes as a stream, for Node-RED's `citysense incident` nodes.
    const incidentChanges = new Subject<IncidentChange>();
    cleanups.push(() => incidentChanges.complete());
    // Silences and inhibition: muted detections are stored and counted, never pushed.
    const silences = createSilenceService({ store: store.silences, clock });
    const countMuted = metrics.counter('citysense_detections_muted_total', 'Detections muted by a silence or an inhibiting incident (stored, not pushed)');
    // 复盘 → 优化: rule versions (and the set to start with), evidence frozen at close, replay, adoption.
    const improvement = createImprovement({ config, store, telemetry, ruleFile, clock, logger, incidents: () => incidents, rules: () => rulesRuntime });
    cleanups.push(() => improvement.stop());
    // Muting never eats a warning: a muted raise is kept (in the store) until its rule clears, and
    // handed back when its silence ends or its inhibitor closes (docs/alerts.md § Muting never eats a warning).
    const muted = createMuteLedger({
      keys: createMutedKeys(),
      store: store.mutedKeys,
      silences,
      incidents: store.incidents,
      redo: (d) => incidents.onDetection(d),
      release: (d) => engine.release(d.ruleId, stateKeyOf(d)),
      clock,
      logger: logger.child({ stage: 'alerts' }),
    });
    cleanups.push(() => muted.close());
    const publish = (m: LogMessage) => {
      const seq = hub.publish(m);
      if (m.type === 'incident') incidentChanges.next(m as unknown as IncidentChange);
      if (m.type === 'incident') notify?.notifier.onIncidentChange(m);
      if (m.type === 'incident') writeIncidentEvent(telemetry, m as { incident?: Incident; event?: IncidentEvent }, logger);
      if (m.type === 'incident') improvement.freezer.onIncidentEvent(m.incident as Incident, m.event as IncidentEvent);
      return seq;
    };
    // Each operation is one store transaction, its /ws messages sent once committed
    //.
    const unit = <T>(fn: () => T): T => hub.deferSends(() => store.writeTransaction(fn));
    const core = createIncidentService({
      store: store.incidents,
      router,
      publish,
      clock,
      gridOf: (loc) => grid.locate(loc),
      silences,
      grouping: config.grouping,
      onMuted: (d, why) => countMuted({ reason: why.reason, rule: d.ruleId }),
      muted,
      logger,
      unit,
    });
    // 回访: a close of a reported case makes the resident's link in the close's own transaction.
    let publicUrl = config.followUp.baseUrl ?? '';
    const followUps = createFollowUps({ links: store.followUps, incidents: core, ttlMs: config.followUp.ttl, baseUrl: () => publicUrl, sources: config.followUp.sources, clock, unit });
    incidents = sweepAfterActions(withFollowUps(core, followUps, unit), muted);

    const countDetection = metrics.counter('citysense_detections_total', 'Detections emitted by rules');
    const countRuleError = metrics.counter('citysense_rule_errors_total', 'Rule evaluation errors (the reading is skipped for that rule only)');
    const engine = createRuleEngine({
      rules: improvement.startRules.rules,
      onError: (err, ctx) => {
        countRuleError({ rule: ctx.ruleId });
        logger.warn({ err, ruleId: ctx.ruleId }, 'rule failed on a reading');
      },
    });

    // Before the engine is subscribed: saved `for` timers and windows go on where they were.
    const rulesRuntime = startRulesRuntime({ engine, initial: improvement.startRules, path: config.rules, stateStore: store.ruleState, logger, clock, onApplied: improvement.history.onApplied });
    improvement.freezer.resume();
    const readings$ = ingest.readings$.pipe(share());
    // The one path of every detection, from rules and from Node-RED's `citysense alert` nodes alike.
    // The alert path's own latency: a reading out of ingest → the detection it raised
    // handled (incident committed, alert sent on /ws). Timer-fired detections are not counted.
    const observeAlertPath = metrics.summary('citysense_alert_path_seconds', 'From a reading leaving ingest to the alert it raised sent on /ws (last 4096)');
    // Two variables, not an object per reading: this runs for every reading.
    let current: Reading | undefined;
    let currentAt = 0;
    // A store failure is retried, and a detection given up resets its rule's key (docs/operations.md § Durability).
    const { attempts, delay, maxDelay, queue } = config.detectionRetry;
    const detections = createDetectionPath({
      write: (d) => telemetry.writeDetections([d]),
      handle: (d) => incidents.onDetection(d),
      release: (ruleId, key) => engine.release(ruleId, key),
      logger: logger.child({ stage: 'alerts' }),
      policy: { attempts, baseDelayMs: delay, maxDelayMs: maxDelay, maxQueued: queue },
    });
    const handleDetection = (d: Detection) => {
      countDetection({ rule: d.ruleId, severity: d.severity, phase: d.phase });
      const from = current !== undefined && current.deviceId === d.deviceId && current.ts === d.readingTs ? currentAt : undefined;
      if (detections.accept(d) === 'handled' && from !== undefined) observeAlertPath((performance.now() - from) / 1000);
    };
    const subs: Subscription[] = [];
    subs.push(
      readings$.subscribe((r) => {
        current = r;
        currentAt = performance.now();
        // A goodbye ingest made from an MQTT DISCONNECT was never published: rules hear it, the store does not.
        if (r.departed !== 'disconnect') telemetry.writeReadings([r]);
      }),
      engine.detections(readings$).subscribe(handleDetection),
      // After the engine's synchronous turn on this reading: later (timer) detections are not its own.
      readings$.subscribe(() => (current = undefined)),
    );
    cleanups.push(() => subs.forEach((s) => s.unsubscribe()));
    // GET /api/devices and /api/telemetry read the same store the readings go to.
    const telemetryReader = telemetryReaderFor(config.influx, store.telemetryReader, () => telemetry.flush());
    const tracking = trackDevices({ broker, registry, readings$, reader: telemetryReader, clock, logger });
    cleanups.push(() => tracking.stop());
    // QoS 1/2: PUBACK means stored. The reading is ingested before the ack, which waits
    // for the sink's durable point (SQLite commit; InfluxDB written or spooled), shared by all waiting.
    broker.setAckGate((client, packet) => {
      if (!packet.topic.startsWith('city/')) return undefined;
      ingest.takeBeforeAck(packet, client);
      return telemetry.flush();
    });
    cleanups.push(() => broker.setAckGate(undefined));
    cleanups.push(() => rulesRuntime.stop()); // runs before the unsubscribe above: it saves the live state
    cleanups.push(() => detections.close()); // before the save: it resets the keys of what still waits

    const deadlines = setInterval(() => {
      try {
        incidents.checkDeadlines();
        muted.sweep(); // also sees a silence ended through another connection
        notify?.notifier.tick(); // the duty escalation runs on the same clock as the deadlines
      } catch (err) {
        logger.error({ err }, 'deadline check failed');
      }
    }, config.deadlineCheckInterval);
    deadlines.unref();
    cleanups.push(() => clearInterval(deadlines));

    // One throttle for the API, /ws and the Node-RED login: the login password defaults to the
    // operator token. Wall-clock time, not the service clock: it paces network clients.
    const throttle = createAuthThrottle();
    // Node-RED at /flows; its admin password defaults to the operator token.
    const flows = config.flows.enabled
      ? await startFlows({
          userDir: config.flows.userDir ?? join(config.dataDir, 'flows'),
          user: config.flows.user,
          password: config.flows.password ?? token,
          allowUnsafeNodes: config.flows.allowUnsafeNodes,
          throttle,
          logger,
          bridge: createFlowsBridge({ readings$, incidents$: incidentChanges, onDetection: handleDetection, clock }),
        })
      : undefined;
    if (flows) cleanups.push(() => flows.stop());
    // Notifications (docs/notifications.md): sent from an outbox of their own, off the incident transaction.
    let httpBase = '';
    notify = startNotify(config, { incidents, office: router.office(), clock, logger, metrics, baseUrl: () => httpBase });
    if (notify) cleanups.push(notify.stop);
    const deps = { store, broker, ingest, engine, incidents, hub, metrics, router, clock, influx, rules: rulesRuntime.rules, detections };
    registerMetrics(deps);
    const http = await startHttpServer({
      host: config.http.host,
      port: config.http.port,
      auth,
      throttle,
      tls,
      logger: logger.child({ stage: 'http' }),
      routes: [
        ...incidentRoutes({
          incidents,
          telemetry,
          clock,
          office: router.office(),
          // 12345 / citizen intake: a report near an open case of its category joins it.
          intake: createIntake({ store: store.incidents, incidents, publish, options: config.intake, gridOf: (loc) => grid.locate(loc), clock, unit }),
          // Wall-clock time, as the auth throttle: it paces network clients.
          limit: createReportLimit(config.intake),
          reviewInputs: improvement.reviewInputs,
        }),
        ...apiRoutes(deps),
        ...improvement.routes(router.office()),
        ...deviceRoutes({ devices: tracking.devices, reader: telemetryReader, openIncidents: () => store.incidents.listOpen(), clock }),
        ...managementRoutes({ incidents, silences: sweepAfterExpire(silences, muted), cap: { ...config.cap, utcOffsetMinutes: config.utcOffsetMinutes }, clock }),
        ...evaluationRoutes({ cases: store.cases, clock, utcOffsetMinutes: config.utcOffsetMinutes, model: config.evaluation }),
        ...(notify?.routes ?? []),
      ],
      publicRoutes: [...publicRoutes(deps), ...(notify?.publicRoutes ?? [])],
      onWebSocket: (ws, principal) => hub.attach(ws, principal),
      // The operator console at / (after every API route, so it never shadows one).
      mounts: [createFollowUpMount(followUps), ...(flows ? [flows.mount] : []), createConsoleMount({ cellSizeM: config.grid.cellSizeM, gridGeojsonPath: config.grid.geojson, flowsPath: flows?.mount.prefix })],
    });
    cleanups.push(() => http.close());

    const urls = serviceUrls(config, { http: http.port, ...brokerPorts }, token, Boolean(tls), flows?.mount.prefix);
    publicUrl ||= urls.http;
    httpBase = urls.http;
    if (config.demo) {
      const demo = startDemo({ url: urls.mqtt, logger: logger.child({ stage: 'demo' }) });
      cleanups.push(() => demo.stop());
    }
    logger.info({ ...urls, console: `${urls.http}/` }, 'citysense started');
    return {
      token,
      ports: { mqtt: brokerPorts.mqttPort, mqttWs: brokerPorts.wsPort, http: http.port },
      urls,
      banner: () => renderBanner(urls, token, config, verifier?.token),
      stop,
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The certificate and key when TLS is configured (docs/operations.md). */
function loadTls(config: Config) {
  if (!config.tls) return undefined;
  try {
    return loadTlsFiles(config.tls.cert, config.tls.key);
  } catch (err) {
    if (err instanceof TlsError) throw new StartupError(err.message);
    throw err;
  }
}
