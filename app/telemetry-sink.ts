// The time-series sink of the service: InfluxDB when configured (spooling to the store's
// SQLite file while it is away), else the SQLite store itself (DESIGN.md § Storage).
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Incident, IncidentEvent } from '../alerts/incident.js';
import { DB_FILE_NAME, createInfluxSink, openSpool, type InfluxSink, type TelemetrySink } from '../store/index.js';
import type { Config } from './config.js';

/** The InfluxDB sink over its spool in the store's SQLite file (docs/operations.md § InfluxDB). */
export function openInfluxSink(c: NonNullable<Config['influx']>, dataDir: string, logger: Logger): InfluxSink {
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
export function writeIncidentEvent(sink: TelemetrySink, m: { incident?: Incident; event?: IncidentEvent }, logger: Logger): void {
  if (!m.incident || !m.event) return;
  try {
    sink.writeIncidentEvents([{ incident: m.incident, event: m.event }]);
  } catch (err) {
    logger.error({ err, incidentId: m.incident.id }, 'incident event could not go to the telemetry sink');
  }
}
