// Wiring of the device directory: readings from ingest, MQTT connections from the broker, and
// the latest stored reading of each device after a restart (so the list is not empty then).
import type { Client } from 'aedes';
import type { Logger } from 'pino';
import type { Observable } from 'rxjs';
import type { CitysenseBroker, Registry } from '../broker/index.js';
import type { Reading } from '../ingest/index.js';
import { openInfluxTelemetryReader, type TelemetryReader } from '../store/index.js';
import type { Config } from './config.js';
import { DEFAULT_MAX_DEVICES, createDeviceDirectory, type DeviceDirectory } from './device-directory.js';

/** What the device directory listens to and restores from. */
export interface DeviceTrackingDeps {
  broker: CitysenseBroker;
  registry: Registry;
  readings$: Observable<Reading>;
  reader: TelemetryReader;
  clock: () => number;
  logger: Logger;
}

/** The time-series reader of the configured store: InfluxDB when configured, else SQLite's. */
export function telemetryReaderFor(influx: Config['influx'], sqlite: TelemetryReader, flush: () => Promise<void>): TelemetryReader {
  if (!influx) return sqlite;
  const { url, token, bucket, api, timeout } = influx;
  return openInfluxTelemetryReader(
    { url, bucket, api, ...(token !== undefined ? { token } : {}), ...(timeout !== undefined ? { timeoutMs: timeout } : {}) },
    flush,
  );
}

/** Start keeping the device directory; stop() detaches it from the broker and ingest. */
export function trackDevices({ broker, registry, readings$, reader, clock, logger }: DeviceTrackingDeps): {
  devices: DeviceDirectory;
  stop(): void;
} {
  const devices = createDeviceDirectory({ registry: registry.all(), clock });
  // A goodbye made from an MQTT DISCONNECT is no message heard: the connection side below has it.
  const sub = readings$.subscribe((r) => r.departed !== 'disconnect' && devices.observe(r));
  // Only clients that authenticated: 'client' follows a successful CONNECT, and each such
  // client ends with one 'clientDisconnect' (a taken-over session's old client too).
  const counted = new WeakSet<Client>();
  const idOf = (c: Client) => broker.identityOf(c)?.id ?? c.id;
  const onClient = (c: Client) => {
    counted.add(c);
    devices.connected(idOf(c));
  };
  const onDisconnect = (c: Client) => {
    if (counted.delete(c)) devices.disconnected(idOf(c));
  };
  broker.aedes.on('client', onClient);
  broker.aedes.on('clientDisconnect', onDisconnect);
  reader
    .latestPerDevice(DEFAULT_MAX_DEVICES)
    .then((latest) => {
      devices.restore(latest);
      logger.info({ devices: latest.length, from: reader.name }, 'device list restored from the latest stored readings');
    })
    .catch((err: unknown) => logger.warn({ err }, 'device list not restored: the time-series store could not be read'));
  return {
    devices,
    stop() {
      sub.unsubscribe();
      broker.aedes.off('client', onClient);
      broker.aedes.off('clientDisconnect', onDisconnect);
    },
  };
}
