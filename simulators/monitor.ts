// One extra connection that listens to the service's refusals (DESIGN: a refused message's
// reason is published to citysense/rejected/{kind}/{id}) and counts those of our devices.
import { randomBytes } from 'node:crypto';
import { connect, type MqttClient } from 'mqtt';
import { endWithin } from './device-client.js';

export const REJECTED_TOPIC = 'citysense/rejected/#';

export interface RefusalMonitor {
  client: MqttClient;
  ready: Promise<void>;
  refused(): number;
  close(): Promise<void>;
}

export interface RefusalMonitorOptions {
  url: string;
  /** Only refusals of these device ids count (other gateways may share the broker). */
  deviceIds: ReadonlySet<string>;
  connectTimeoutMs: number;
  onError: (error: Error) => void;
}

/** Subscribes to citysense/rejected/# and counts refusals of the fleet's devices. */
export function monitorRefusals(o: RefusalMonitorOptions): RefusalMonitor {
  const client = connect(o.url, {
    protocolVersion: 4,
    clientId: `citysense-simulate-monitor-${randomBytes(4).toString('hex')}`,
    connectTimeout: o.connectTimeoutMs,
    reconnectPeriod: 1_000,
  });
  let count = 0;
  client.on('error', o.onError);
  client.on('message', (topic) => {
    const id = topic.split('/')[3];
    if (id !== undefined && o.deviceIds.has(id)) count++;
  });
  let markReady = (): void => undefined;
  const ready = new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, o.connectTimeoutMs);
    markReady = () => {
      clearTimeout(timer);
      resolve();
    };
  });
  client.once('error', () => markReady());
  // Subscribe on every connect: the session is clean, so a reconnect loses the subscription.
  client.on('connect', () => {
    client.subscribe(REJECTED_TOPIC, { qos: 0 }, (error) => {
      if (error) o.onError(error);
      markReady();
    });
  });
  return { client, ready, refused: () => count, close: () => endWithin(client, 2_000) };
}
