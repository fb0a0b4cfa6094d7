// Cluster mode's wiring (docs/cluster.md): the reading log on NATS JetStream, the partition
// leases and checkpoints in PostgreSQL, a rule engine per owned partition, and the /ws fan-out.
// What each piece does lives in cluster/; this file only connects them to the other stages.
import pg from 'pg';
import type { Logger } from 'pino';
import { Subject, type Observable } from 'rxjs';
import {
  ALL_LEASES,
  TIMERS,
  createCheckpoints,
  createPartitionedEngine,
  openReadingLog,
  startAlertFanout,
  startLeaseManager,
  startPartition,
  startReadingPublisher,
  startRuleSync,
  subjectOf,
  type AlertFanout,
  type ClusterSettings,
  type PartitionRunner,
  type ReadingLog,
  type RuleSync,
} from '../cluster/index.js';
import type { Alerts, Hub, IncidentService } from '../alerts/index.js';
import type { PostgresStore, RuleStateStore, TelemetrySink } from '../store/index.js';
import type { DetectionPath } from './detection-path.js';
import type { Detection, Reading } from '../model/index.js';
import type { Rule, RuleEngine, RuleSetHolder } from '../rules/index.js';
import type { MetricsRegistry } from './metrics.js';

/** Rows in the sink's buffer past which a partition waits for the writes before reading on. */
const BACKPRESSURE_ROWS = 20_000;

/** Rows the telemetry sink gave up on before writing them (InfluxDB's spools instead of dropping). */
const droppedBy = (t: Pick<TelemetrySink, 'health'>): number => t.health().dropped ?? 0;

/** What the node needs from the service once its stages exist. */
export interface ClusterWiring {
  /** What ingest accepts on this node's broker. */
  readings$: Observable<Reading>;
  /** The alert path (app/reading-path.ts): its one way in, and whether a detection waits for a retry. */
  path: { handleDetection: (d: Detection) => void; detections: Pick<DetectionPath, 'health'> };
  telemetry: Pick<TelemetrySink, 'flush' | 'health'>;
  /** The hub's pump (alerts/hub.ts, shared log). */
  hub: Pick<Hub, 'pump'>;
  /** Where a rule set another node accepted is applied. */
  rules: Pick<RuleSetHolder, 'replace'>;
}

export interface ClusterNode {
  readonly nodeId: string;
  /** The rules of every owned partition behind one engine (hot reload, release). */
  readonly engine: RuleEngine;
  /** Readings of this node's device partitions as they are read: telemetry, Node-RED. */
  readonly partitionReadings$: Observable<Reading>;
  /** The hub's `sharedLog`. */
  readonly sharedLog: { committed(): void };
  /** For the rules runtime: nothing node-wide to save or restore, each partition checkpoints its own. */
  readonly ruleStateStore: RuleStateStore;
  /** For the rule set's onApplied: tell the other nodes of a set accepted here. */
  rulesApplied(written: unknown[], source: string, author?: string): void;
  /** Start publishing and taking partitions, once the alert path exists. */
  start(w: ClusterWiring): Promise<void>;
  /** Hold the PUBACK of a packet's readings until they are in the log. */
  publishDuring(fn: () => void): Promise<void>;
  /** This node runs the deadline and escalation clock (the `timers` lease). */
  runsTimers(): boolean;
  health(): ClusterHealth;
  /** Hand the partitions over (checkpoint, release), then close the connections. */
  stop(): Promise<void>;
  /** Close the connections (after `stop`, or when the service failed to start). Idempotent. */
  close(): Promise<void>;
}

/** A detection's identity: the same detection made again on another node has the same one. */
export const detectionIdentity = (d: Detection): string => [d.ruleId, d.ruleVersion, d.dedupKey, d.phase, d.severity, d.ts].join('|');

/**
 * The alert path's incident side in cluster mode: a detection is claimed in the transaction that
 * handles it, so one made again after its partition moved (read again from the last checkpoint)
 * opens and counts nothing twice.
 */
export function claimOnce(
  alerts: Pick<Alerts, 'hub' | 'incidents'>,
  store: Pick<PostgresStore, 'writeTransaction' | 'detectionClaims'>,
): Pick<IncidentService, 'onDetection'> {
  return {
    onDetection: (d) =>
      alerts.hub.deferSends(() =>
        store.writeTransaction(() => (store.detectionClaims.claim(detectionIdentity(d)) ? alerts.incidents.onDetection(d) : undefined)),
      ),
  };
}

export interface ClusterHealth {
  ok: boolean;
  nodeId: string;
  partitions: Array<{ name: string; epoch: number; read: number; saved: number; lag?: number }>;
  timers: boolean;
  published: number;
  publishFailed: number;
}

/** Connect to NATS and PostgreSQL; nothing is taken until `start`. */
export async function openClusterNode(o: {
  settings: ClusterSettings;
  rules: readonly Rule[];
  makeEngine: (rules: Rule[]) => RuleEngine;
  metrics: MetricsRegistry;
  logger: Logger;
}): Promise<ClusterNode> {
  const { settings, logger } = o;
  const nodeId = settings.nodeId;
  const log: ReadingLog = await openReadingLog({ servers: settings.natsUrl, logger });
  const pool = new pg.Pool({ connectionString: settings.databaseUrl, max: 6, connectionTimeoutMillis: 5000 });
  pool.on('error', (err) => logger.warn({ err }, 'PostgreSQL pool error'));
  const checkpoints = createCheckpoints(pool);
  const partitioned = createPartitionedEngine(o.rules, o.makeEngine);
  const runners = new Map<string, PartitionRunner>();
  const lags = new Map<string, number>();
  const partitionReadings$ = new Subject<Reading>();
  let fanout: AlertFanout | undefined;
  let leases: Awaited<ReturnType<typeof startLeaseManager>> | undefined;
  let publisher: ReturnType<typeof startReadingPublisher> | undefined;
  let ruleSync: RuleSync | undefined;
  let closed: Promise<void> | undefined;
  let timers = false;
  let lagTimer: NodeJS.Timeout | undefined;

  const sharedLog = { committed: () => fanout?.committed() };

  registerClusterMetrics(o.metrics, () => node.health());

  const node: ClusterNode = {
    nodeId,
    engine: partitioned.engine,
    partitionReadings$,
    sharedLog,
    ruleStateStore: { put: () => undefined, retain: () => undefined, load: () => ({ entries: [] }) },
    rulesApplied: (written, source, author) => ruleSync?.applied(written, source, author),
    async start(w) {
      fanout = startAlertFanout({ bus: log.connection(), nodeId, pump: () => w.hub.pump(), logger });
      ruleSync = startRuleSync({
        bus: log.connection(),
        nodeId,
        apply: (obj, source, author) => w.rules.replace(obj, source, author),
        logger,
      });
      // A checkpoint covers only readings whose effects are stored. Rows the sink dropped (its
      // buffer full, its server gone too long) were read from the log: every partition is read
      // again from its checkpoint, so they are written after all.
      let dropped = droppedBy(w.telemetry);
      /** From a drop seen until every partition was restarted, no checkpoint is taken. */
      let rereading = false;
      const settled = async () => {
        if (rereading || w.path.detections.health().waiting > 0) return false;
        await w.telemetry.flush();
        const now = droppedBy(w.telemetry);
        if (!rereading && now === dropped) return true;
        if (!rereading) {
          rereading = true;
          dropped = now;
          logger.error({ dropped: now }, 'telemetry rows were dropped: every partition is read again from its checkpoint');
          setImmediate(() => void rereadAll().finally(() => (rereading = false)));
        }
        return false;
      };
      const rereadAll = async () => {
        for (const [name, r] of [...runners]) {
          const epoch = leases?.owned().get(name);
          runners.delete(name);
          partitioned.close(name);
          await r.stop({ checkpoint: false });
          if (epoch !== undefined)
            await run(name, epoch).catch((err: unknown) => logger.error({ err, partition: name }, 'partition restart failed'));
        }
      };
      publisher = startReadingPublisher({ readings$: w.readings$, log, hasAreaRules: partitioned.hasAreaRules, logger });
      const lost = (name: string) => {
        if (name === TIMERS) {
          timers = false;
          return;
        }
        const r = runners.get(name);
        runners.delete(name);
        partitioned.close(name);
        lags.delete(name);
        void r?.stop({ checkpoint: false });
      };
      leases = await startLeaseManager({
        pool,
        nodeId,
        names: ALL_LEASES,
        logger,
        info: () => ({ partitions: runners.size, timers }),
        onAcquired: async (name, epoch) => {
          if (name === TIMERS) {
            timers = true;
            return;
          }
          await run(name, epoch);
        },
        onLost: (name) => lost(name),
      });
      async function run(name: string, epoch: number) {
        const runner: PartitionRunner = await startPartition({
          name,
          subject: subjectOf(name),
          epoch,
          nodeId,
          log,
          checkpoints,
          engine: partitioned.open(name),
          // A device partition's readings are the node's telemetry; an area partition's are copies.
          onReading: name.startsWith('d') ? (r) => partitionReadings$.next(r) : () => undefined,
          onDetection: w.path.handleDetection,
          settled,
          // Only the partition's current runner: one fenced after the partition was dropped and
          // taken again (a new epoch, a new runner) must not stop its successor.
          onFenced: () => {
            if (runners.get(name) === runner) lost(name);
          },
          // The sink's buffer is bounded: past a quarter of it, reading waits for the writes.
          afterBatch: () => (w.telemetry.health().queued > BACKPRESSURE_ROWS ? w.telemetry.flush().catch(() => undefined) : undefined),
          logger,
        });
        runners.set(name, runner);
      }
      lagTimer = setInterval(() => {
        for (const r of runners.values())
          void r.lag().then(
            (n) => lags.set(r.name, n),
            () => undefined,
          );
      }, 2000);
      lagTimer.unref();
    },
    publishDuring: (fn) => (publisher ? publisher.during(fn) : Promise.reject(new Error('cluster node not started'))),
    runsTimers: () => timers,
    health() {
      const p = publisher?.stats();
      return {
        ok: true,
        nodeId,
        partitions: [...runners.values()].map((r) => ({
          name: r.name,
          epoch: leases?.owned().get(r.name) ?? 0,
          ...r.position(),
          lag: lags.get(r.name),
        })),
        timers,
        published: p?.published ?? 0,
        publishFailed: p?.failed ?? 0,
      };
    },
    async stop() {
      clearInterval(lagTimer);
      publisher?.close();
      // A graceful hand-over: each partition's last state and position saved, then the leases freed.
      await Promise.allSettled([...runners.values()].map((r) => r.stop({ checkpoint: true })));
      runners.clear();
      await leases?.stop({ release: true }).catch((err: unknown) => logger.warn({ err }, 'releasing leases failed'));
      await node.close();
    },
    close() {
      closed ??= (async () => {
        clearInterval(lagTimer);
        publisher?.close();
        fanout?.close();
        ruleSync?.close();
        partitionReadings$.complete();
        await log.close().catch(() => undefined);
        await pool.end().catch(() => undefined);
      })();
      return closed;
    },
  };
  return node;
}

function registerClusterMetrics(metrics: MetricsRegistry, health: () => ClusterHealth) {
  metrics.collect('citysense_cluster_partitions_owned', 'Partitions (leases) this node owns', 'gauge', () => health().partitions.length);
  metrics.collect('citysense_cluster_timers_owned', '1 when this node runs the deadline clock', 'gauge', () => (health().timers ? 1 : 0));
  metrics.collect('citysense_cluster_consumer_lag', 'Readings on the log not yet read, per owned partition', 'gauge', () =>
    health().partitions.map((p) => ({ labels: { partition: p.name }, value: p.lag ?? 0 })),
  );
  metrics.collect(
    'citysense_cluster_readings_published_total',
    'Readings put on the log by this node',
    'counter',
    () => health().published,
  );
  metrics.collect(
    'citysense_cluster_publish_failed_total',
    'Readings the log did not take (the PUBACK was withheld)',
    'counter',
    () => health().publishFailed,
  );
}
