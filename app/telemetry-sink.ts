// The time-series sink of the service: InfluxDB when configured (spooling to the store's
// SQLite file while it is away), else the SQLite store itself (DESIGN.md § Storage).
import { join } from 'node:path';
import type { Logger } from 'pino';
import type { Incident, IncidentEvent } from '../model/incident.js';
import { DB_FILE_NAME, createInfluxSink, openSpool, type InfluxSink, type TelemetrySink } from '../store/index.js';
import type { Config } from './config.js';

/** The InfluxDB sink over its spool in the store's SQLite file (docs/operations.md § InfluxDB). */
export function openInfluxSink(options: NonNullable<Config['influx']>, dataDir: string, logger: Logger): InfluxSink {
  const spool = openSpool(join(dataDir, DB_FILE_NAME), { rowLines: options.batchSize });
  try {
    return createInfluxSink(options, { spool, logger });
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
