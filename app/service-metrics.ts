// What /metrics shows (docs/architecture.md § HTTP API): counters the stages keep, read at scrape time so the
// hot path only bumps numbers.
import type { InfluxSink, SqliteTelemetrySink } from '../store/index.js';
import type { DetectionPath } from './detection-path.js';
import type { MetricsRegistry } from './metrics.js';
import type { RouteDeps } from './routes.js';

/** Register every service-level metric family. */
export function registerMetrics({ store, broker, ingest, hub, metrics, influx, detections, sqliteTelemetry }: RouteDeps): void {
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
  // The time-series sink's own books: SQLite's rows, or InfluxDB's points (registerInfluxMetrics).
  if (!influx && sqliteTelemetry) registerSqliteTelemetryMetrics(metrics, sqliteTelemetry);
  metrics.collect('citysense_alert_log_seq', 'Last seq of the durable alert log', 'gauge', () => store.alertLog.lastSeq());
  metrics.collect('citysense_ws_clients', 'Connected WebSocket clients', 'gauge', () => hub.clientCount());
  // Overload and abuse: what was slowed or shed.
  metrics.collect(
    'citysense_ws_slow_clients_dropped_total',
    'WebSocket clients cut off because their send buffer passed the bound',
    'counter',
    () => hub.slowClientsDropped(),
  );
  metrics.collect('citysense_broker_limited_total', 'Device traffic slowed or shed by the broker limits, by what', 'counter', () => {
    const b = broker.stats();
    const what = {
      connect_rate: b.connectsRateLimited,
      publish_rate: b.publishesRateLimited,
      packet_too_large: b.packetsTooLarge,
      publish_held: b.publishesHeld,
      publish_shed: b.publishesShed,
      overload_close: b.overloadCloses,
      session_queue_full: b.sessionQueueDropped,
    };
    return Object.entries(what).map(([k, value]) => ({ labels: { what: k }, value }));
  });
  metrics.collect(
    'citysense_broker_acks_withheld_total',
    'QoS 1/2 publishes not acknowledged because their reading could not be stored (the device sends them again)',
    'counter',
    () => broker.stats().acksWithheld,
  );
  metrics.collect(
    'citysense_broker_publishes_waiting',
    'Publishes held right now for a later turn of the event loop',
    'gauge',
    () => broker.stats().publishesWaiting,
  );
  metrics.collect(
    'citysense_broker_publishes_rate_waiting',
    'Publishes waiting right now for their device rate (their sockets are not read meanwhile)',
    'gauge',
    () => broker.stats().publishesRateWaiting,
  );
  metrics.collect(
    'citysense_broker_session_queued',
    'QoS 1/2 messages kept for persistent sessions, not yet acknowledged',
    'gauge',
    () => broker.stats().sessionQueued,
  );
  if (influx) registerInfluxMetrics(metrics, influx);
  if (detections) registerDetectionPathMetrics(metrics, detections);
}

/** The alert path's books (docs/operations.md § Durability): retries, detections given up, and what waits. */
function registerDetectionPathMetrics(metrics: MetricsRegistry, detections: DetectionPath): void {
  metrics.collect(
    'citysense_detection_retries_total',
    'Incident transactions of a detection tried again after a store failure, by rule',
    'counter',
    () => [...detections.stats().retries].map(([rule, value]) => ({ labels: { rule }, value })),
  );
  metrics.collect(
    'citysense_detections_failed_total',
    'Detections given up (exhausted, not_retriable, queue_full, shutdown), by rule; their rule key is reset',
    'counter',
    () => [...detections.stats().failed.values()].map(({ rule, reason, value }) => ({ labels: { rule, reason }, value })),
  );
  metrics.collect(
    'citysense_detections_waiting',
    'Detections waiting for a retry of their incident transaction, or behind one of their key',
    'gauge',
    () => detections.stats().waiting,
  );
  metrics.collect(
    'citysense_detection_writes_failed_total',
    'Detections the time-series sink refused (their incident side still ran)',
    'counter',
    () => detections.stats().writeErrors,
  );
}

/** The SQLite telemetry sink's books, when it is the time-series sink. */
function registerSqliteTelemetryMetrics(metrics: MetricsRegistry, telemetry: SqliteTelemetrySink): void {
  metrics.collect('citysense_telemetry_written_total', 'Rows written to the telemetry store', 'counter', () => {
    const t = telemetry.stats();
    return [
      { labels: { what: 'reading' }, value: t.readingsWritten },
      { labels: { what: 'detection' }, value: t.detectionsWritten },
    ];
  });
  metrics.collect('citysense_telemetry_pending', 'Telemetry rows waiting for their write', 'gauge', () => telemetry.stats().pending);
  metrics.collect(
    'citysense_telemetry_write_errors_total',
    'Failed telemetry batch writes (rows are kept and retried)',
    'counter',
    () => telemetry.stats().writeErrors,
  );
  metrics.collect(
    'citysense_telemetry_dropped_total',
    'Telemetry rows dropped after the pending buffer overflowed',
    'counter',
    () => telemetry.stats().dropped,
  );
}

/** The InfluxDB sink's books (docs/operations.md § Accounting). */
function registerInfluxMetrics(metrics: MetricsRegistry, influx: InfluxSink): void {
  metrics.collect('citysense_influx_up', 'Whether the last request to InfluxDB was answered (1) or not (0)', 'gauge', () =>
    influx.stats().reachable ? 1 : 0,
  );
  metrics.collect(
    'citysense_influx_points_total',
    'Line-protocol points by outcome: accepted, written (replayed included), replayed, rejected, replay_rejected, spooled, lost, invalid (never encoded)',
    'counter',
    () => {
      const s = influx.stats();
      const outcomes = {
        accepted: s.accepted,
        written: s.written,
        replayed: s.replayed,
        rejected: s.rejected,
        replay_rejected: s.replayRejected,
        spooled: s.spooled,
        lost: s.lost,
        invalid: s.invalid,
      };
      return Object.entries(outcomes).map(([outcome, value]) => ({ labels: { outcome }, value }));
    },
  );
  metrics.collect(
    'citysense_influx_queue_points',
    'Points in the client: batching, on the wire or in its retry buffer',
    'gauge',
    () => influx.stats().queued,
  );
  metrics.collect('citysense_influx_retry_points', 'Points in the client retry buffer', 'gauge', () => influx.stats().retrying);
  metrics.collect(
    'citysense_influx_spool_points',
    'Points in the SQLite spool waiting for a replay',
    'gauge',
    () => influx.stats().spoolDepth,
  );
  metrics.collect('citysense_influx_in_flight_requests', 'Write requests on the wire', 'gauge', () => influx.stats().inFlight);
  metrics.collect(
    'citysense_influx_failed_requests_total',
    'Failed write requests (each retried, spooled or refused)',
    'counter',
    () => influx.stats().failedRequests,
  );
}
