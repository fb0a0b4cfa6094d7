// The composition root (STYLE.md: app/ is the only place that wires stages together).
// broker → ingest → rules → alerts, with store/ underneath and the HTTP/WS server on top.
import { pino, type Logger } from 'pino';
import { join } from 'node:path';
import { share, Subject } from 'rxjs';
import { createAlerts, createRouter, loadRoutingTable } from '../alerts/index.js';
import { createBroker, loadRegistry } from '../broker/index.js';
import { createFlowsBridge, type IncidentChange, startFlows } from '../flows/index.js';
import { DEMO_DISTRICTS_PATH, createConsoleMount } from '../console/index.js';
import { createGridLocator, createIngest } from '../ingest/index.js';
import { createRuleEngine, formatRuleIssue, loadRuleFileFromPath, stateKeyOf } from '../rules/index.js';
import type { TelemetrySink } from '../store/index.js';
import type { Config } from './config.js';
import { renderBanner, serviceUrls, type ServiceUrls } from './banner.js';
import { startDemo } from './demo.js';
import { createAuthThrottle } from './auth-throttle.js';
import { startHttpServer } from './http-server.js';
import { MetricsRegistry } from './metrics.js';
import { apiRoutes, publicRoutes } from './routes.js';
import { registerMetrics } from './service-metrics.js';
import { openInfluxSink, writeIncidentEvent } from './telemetry-sink.js';
import { startRulesRuntime } from './rules-runtime.js';
import { startReadingPath } from './reading-path.js';
import { createReportLimit } from './report-limit.js';
import { createFollowUpMount } from './follow-up-mount.js';
import { deviceRoutes } from './device-routes.js';
import { telemetryReaderFor, trackDevices } from './device-tracking.js';
import { startNotify, type NotifyHandle } from './notify.js';
import { createImprovement } from './improvement.js';
import { StartupError } from './errors.js';
import { claimOnce, openClusterNode, type ClusterNode } from './cluster-node.js';
import { loadTls, openCaseStores, serviceAuth, startDeadlineClock } from './startup.js';

export interface RunningService {
  token: string;
  ports: { mqtt: number; mqttWs: number; http: number };
  urls: ServiceUrls;
  /** What `citysense start` prints. */
  banner(): string;
  /** Graceful shutdown: demo, HTTP/WS, broker, rule streams, then the store is flushed. */
  stop(): Promise<void>;
}

/** Start every stage on the given configuration. */
export async function startService(config: Config, opts: { logger?: Logger; clock?: () => number } = {}): Promise<RunningService> {
  const logger = opts.logger ?? pino({ name: 'citysense', level: config.logLevel });
  const clock = opts.clock ?? Date.now;
  const allowAnonymous = config.allowAnonymous ?? config.demo;

  const ruleFile = await loadRuleFileFromPath(config.rules);
  if (!ruleFile.ok)
    throw new StartupError(`rule file ${config.rules} is invalid:\n${ruleFile.issues.map((i) => `  - ${formatRuleIssue(i)}`).join('\n')}`);
  const routing = loadRoutingTable(config.routing);
  if (!routing.ok)
    throw new StartupError(
      `routing table ${config.routing} is invalid:\n${routing.issues.map((i) => `  - ${i.path}: ${i.message}`).join('\n')}`,
    );
  const registry = await loadRegistry(config.devices);
  const tls = loadTls(config);
  const { token, verifier, auth } = serviceAuth(config);
  // The demo's devices publish no district: the demo city's outlines (the console's base map) give one.
  const districtsPath = config.grid.districts ?? (config.demo ? DEMO_DISTRICTS_PATH : undefined);
  const grid = createGridLocator({ cellSizeM: config.grid.cellSizeM, geojsonPath: config.grid.geojson, districtsPath });

  // Cluster mode (docs/cluster.md): the nodes share PostgreSQL; else the embedded SQLite.
  const { store, sqlite, postgres: pgStore } = openCaseStores(config, logger);
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
    const telemetry: TelemetrySink = (influx ?? store.telemetry)!;
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
    // 复盘 → 优化: rule versions (and the set to start with), evidence frozen at close, replay, adoption.
    // It reads the incidents and the rules runtime only once running: both are made below.
    const improvement = createImprovement({
      config,
      store,
      telemetry,
      ruleFile,
      clock,
      logger,
      incidents: () => alerts.incidents,
      rules: () => rulesRuntime,
    });
    cleanups.push(() => improvement.stop());
    const countRuleError = metrics.counter(
      'citysense_rule_errors_total',
      'Rule evaluation errors (the reading is skipped for that rule only)',
    );
    const makeEngine = (rules: typeof improvement.startRules.rules) =>
      createRuleEngine({
        rules,
        onError: (err, ctx) => {
          countRuleError({ rule: ctx.ruleId });
          logger.warn({ err, ruleId: ctx.ruleId }, 'rule failed on a reading');
        },
      });
    // In cluster mode each owned partition runs an engine of its own; `engine` is their one face.
    let node: ClusterNode | undefined;
    if (config.cluster) {
      node = await openClusterNode({ settings: config.cluster, rules: improvement.startRules.rules, makeEngine, metrics, logger });
      const opened = node;
      cleanups.push(() => opened.close());
    }
    const engine = node?.engine ?? makeEngine(improvement.startRules.rules);
    const countMuted = metrics.counter(
      'citysense_detections_muted_total',
      'Detections muted by a silence or an inhibiting incident (stored, not pushed)',
    );
    let publicUrl = config.followUp.baseUrl ?? '';
    const alerts = createAlerts({
      store,
      router,
      clock,
      logger,
      gridOf: (loc) => grid.locate(loc),
      grouping: config.grouping,
      sharedLog: node?.sharedLog,
      sweepsMuted: node ? () => node.runsTimers() : undefined,
      release: (d) => engine.release(d.ruleId, stateKeyOf(d)),
      onMuted: (d, why) => countMuted({ reason: why.reason, rule: d.ruleId }),
      intake: config.intake,
      followUp: { ttlMs: config.followUp.ttl, sources: config.followUp.sources, baseUrl: () => publicUrl },
      http: {
        telemetry,
        // Wall-clock time, as the auth throttle: it paces network clients.
        limit: createReportLimit(config.intake),
        reviewInputs: improvement.reviewInputs,
        cap: { ...config.cap, utcOffsetMinutes: config.utcOffsetMinutes },
        utcOffsetMinutes: config.utcOffsetMinutes,
        evaluation: config.evaluation,
      },
    });
    cleanups.push(() => alerts.close());
    const { incidents, hub } = alerts;
    // Incident changes as a stream, for Node-RED's `citysense incident` nodes.
    const incidentChanges = new Subject<IncidentChange>();
    cleanups.push(() => incidentChanges.complete());
    let notify: NotifyHandle | undefined;
    alerts.onIncidentChange((m) => incidentChanges.next(m));
    alerts.onIncidentChange((m) => notify?.notifier.onIncidentChange(m));
    alerts.onIncidentChange((m) => writeIncidentEvent(telemetry, m, logger));
    alerts.onIncidentChange((m) => improvement.freezer.onIncidentEvent(m.incident, m.event));

    // Before the engine is subscribed: saved `for` timers and windows go on where they were.
    const rulesRuntime = startRulesRuntime({
      engine,
      initial: improvement.startRules,
      path: config.rules,
      // A cluster node's rule state is saved per partition, with the partition's checkpoint.
      stateStore: node ? node.ruleStateStore : store.ruleState,
      logger,
      clock,
      onApplied: (written, source, author) => {
        improvement.history.onApplied(written, source, author);
        node?.rulesApplied(written, source, author);
      },
    });
    improvement.freezer.resume();
    const readings$ = ingest.readings$.pipe(share());
    // A cluster node's rules and telemetry take the readings of its partitions, read from the log;
    // a detection read again after a partition moved is claimed once (app/cluster-node.ts).
    const path = startReadingPath({
      readings$: node?.partitionReadings$ ?? readings$,
      engine,
      telemetry,
      incidents: node && pgStore ? claimOnce(alerts, pgStore) : incidents,
      metrics,
      retry: config.detectionRetry,
      logger,
    });
    const { handleDetection, detections } = path;
    cleanups.push(path.unsubscribe);
    // GET /api/devices and /api/telemetry read the same store the readings go to.
    const telemetryReader = telemetryReaderFor(config.influx, store.telemetryReader!, () => telemetry.flush());
    const tracking = trackDevices({ broker, registry, readings$, reader: telemetryReader, clock, logger });
    cleanups.push(() => tracking.stop());
    // QoS 1/2: PUBACK means stored. The reading is ingested before the ack, which waits
    // for the sink's durable point (SQLite commit; InfluxDB written or spooled), shared by all waiting.
    // In cluster mode the durable point is JetStream's ack of every copy of the readings.
    broker.setAckGate((client, packet) => {
      if (!packet.topic.startsWith('city/')) return undefined;
      if (node) return node.publishDuring(() => ingest.takeBeforeAck(packet, client));
      ingest.takeBeforeAck(packet, client);
      return telemetry.flush();
    });
    cleanups.push(() => broker.setAckGate(undefined));
    cleanups.push(() => rulesRuntime.stop()); // runs before the unsubscribe above: it saves the live state
    cleanups.push(() => detections.close()); // before the save: it resets the keys of what still waits
    if (node) {
      const running = node;
      await running.start({ readings$, path, telemetry, hub, rules: rulesRuntime.rules });
      // First of all at shutdown: the partitions are checkpointed and handed over while the
      // alert path still runs.
      cleanups.push(() => running.stop());
    }

    // In a cluster one node runs the clock: the holder of the `timers` lease.
    const clockNode = node;
    const stopClock = startDeadlineClock({
      intervalMs: config.deadlineCheckInterval,
      runs: () => clockNode?.runsTimers() ?? true,
      tick: () => (alerts.tick(), notify?.notifier.tick()), // the duty escalation runs on the same clock
      logger,
    });
    cleanups.push(stopClock);

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
          bridge: createFlowsBridge({
            readings$: node?.partitionReadings$ ?? readings$,
            incidents$: incidentChanges,
            onDetection: handleDetection,
            clock,
          }),
        })
      : undefined;
    if (flows) cleanups.push(() => flows.stop());
    // Notifications (docs/notifications.md): sent from an outbox of their own, off the incident transaction.
    let httpBase = '';
    notify = startNotify(config, { incidents, office: router.office(), clock, logger, metrics, baseUrl: () => httpBase });
    if (notify) cleanups.push(notify.stop);
    const deps = {
      store,
      broker,
      ingest,
      engine,
      incidents,
      hub,
      metrics,
      router,
      clock,
      influx,
      rules: rulesRuntime.rules,
      detections,
      sqliteTelemetry: sqlite?.telemetry,
      cluster: node,
    };
    registerMetrics(deps);
    const http = await startHttpServer({
      host: config.http.host,
      port: config.http.port,
      auth,
      throttle,
      tls,
      logger: logger.child({ stage: 'http' }),
      routes: [
        ...alerts.routes(),
        ...apiRoutes(deps),
        ...improvement.routes(router.office()),
        ...deviceRoutes({ devices: tracking.devices, reader: telemetryReader, openIncidents: () => store.incidents.listOpen(), clock }),
        ...(notify?.routes ?? []),
      ],
      publicRoutes: [...publicRoutes(deps), ...(notify?.publicRoutes ?? [])],
      onWebSocket: (ws, principal) => hub.attach(ws, principal),
      // The operator console at / (after every API route, so it never shadows one).
      mounts: [
        createFollowUpMount(alerts.followUps),
        ...(flows ? [flows.mount] : []),
        createConsoleMount({ cellSizeM: config.grid.cellSizeM, gridGeojsonPath: config.grid.geojson, flowsPath: flows?.mount.prefix }),
      ],
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
