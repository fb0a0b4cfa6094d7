// Readings into the sink and through the rule engine, detections into the alerts stage: the hot
// path, with the alert-path latency measured on the way.
import type { Logger } from 'pino';
import type { Observable, Subscription } from 'rxjs';
import type { IncidentService } from '../alerts/index.js';
import type { Detection, Reading } from '../model/index.js';
import type { RuleEngine } from '../rules/index.js';
import type { TelemetrySink } from '../store/index.js';
import type { Config } from './config.js';
import { createDetectionPath } from './detection-path.js';
import type { MetricsRegistry } from './metrics.js';

export interface ReadingPathDeps {
  readings$: Observable<Reading>;
  engine: RuleEngine;
  telemetry: TelemetrySink;
  incidents: Pick<IncidentService, 'onDetection'>;
  metrics: MetricsRegistry;
  retry: Config['detectionRetry'];
  logger: Logger;
}

/** Subscribe the path; `handleDetection` is the one way in for every detection, from rules and from Node-RED alike. */
export function startReadingPath({ readings$, engine, telemetry, incidents, metrics, retry, logger }: ReadingPathDeps) {
  const countDetection = metrics.counter('citysense_detections_total', 'Detections emitted by rules');
  // The alert path's own latency: a reading out of ingest → the detection it raised
  // handled (incident committed, alert sent on /ws). Timer-fired detections are not counted.
  const observeAlertPath = metrics.summary(
    'citysense_alert_path_seconds',
    'From a reading leaving ingest to the alert it raised sent on /ws (last 4096)',
  );
  // Two variables, not an object per reading: this runs for every reading.
  let current: Reading | undefined;
  let currentAt = 0;
  // A store failure is retried, and a detection given up resets its rule's key (docs/operations.md § Durability).
  const { attempts, delay, maxDelay, queue } = retry;
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
  const subs: Subscription[] = [
    readings$.subscribe((r) => {
      current = r;
      currentAt = performance.now();
      // A goodbye ingest made from an MQTT DISCONNECT was never published: rules hear it, the store does not.
      if (r.departed !== 'disconnect') telemetry.writeReadings([r]);
    }),
    engine.detections(readings$).subscribe(handleDetection),
    // After the engine's synchronous turn on this reading: later (timer) detections are not its own.
    readings$.subscribe(() => (current = undefined)),
  ];
  return { handleDetection, detections, unsubscribe: () => subs.forEach((s) => s.unsubscribe()) };
}
