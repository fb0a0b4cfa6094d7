// One device's own MQTT connection: client id = device id, a retained `offline` last will,
// and a retained `online` on every (re)connect (DESIGN § MQTT topics: status).
import { connect, type IClientOptions, type MqttClient } from 'mqtt';
import type { Device } from './fleet.js';
import type { OutgoingMessage } from './malformed.js';
import { statusTopic } from './payloads.js';

export interface DeviceConnectionOptions {
  url: string;
  username?: string;
  password?: string;
  connectTimeoutMs: number;
  /** Called for every client error (refused connection, failed publish, socket error). */
  onError: (error: Error) => void;
}

export interface DeviceConnection {
  device: Device;
  client: MqttClient;
  /** Settles on the first connect, the first error, or the connect timeout. */
  ready: Promise<void>;
  /** Publishes if connected; resolves false when skipped because the device is offline. */
  publish(message: OutgoingMessage): Promise<boolean>;
  /** Ends the connection: `announce` publishes `offline` first, `drop` lets the last will fire. */
  close(mode: 'announce' | 'drop'): Promise<void>;
}

const END_TIMEOUT_MS = 2_000;

/** Opens the MQTT connection of one simulated device. */
export function connectDevice(device: Device, o: DeviceConnectionOptions): DeviceConnection {
  const status = statusTopic(device);
  const options: IClientOptions = {
    // mqtt.js 5 defaults to MQTT 5; aedes speaks 3.1.1.
    protocolVersion: 4,
    clientId: device.id,
    clean: true,
    connectTimeout: o.connectTimeoutMs,
    reconnectPeriod: 1_000,
    will: { topic: status, payload: Buffer.from('offline'), qos: 1, retain: true },
  };
  if (o.username !== undefined || o.password !== undefined) {
    // DESIGN: a registered device's identity is its registry id, used as MQTT username.
    options.username = o.username ?? device.id;
    if (o.password !== undefined) options.password = o.password;
  }
  const client = connect(o.url, options);
  client.on('error', o.onError);
  client.on('connect', () => {
    client.publish(status, 'online', { qos: 1, retain: true }, (error) => error && o.onError(error));
  });
  const ready = new Promise<void>((resolve) => {
    const timer = setTimeout(done, o.connectTimeoutMs);
    function done(): void {
      clearTimeout(timer);
      client.off('connect', done);
      client.off('error', done);
      resolve();
    }
    client.once('connect', done);
    client.once('error', done);
  });
  let closing: Promise<void> | undefined;

  const publish = (m: OutgoingMessage): Promise<boolean> =>
    new Promise((resolve, reject) => {
      if (!client.connected || closing) return resolve(false);
      client.publish(m.topic, m.payload, { qos: m.qos }, (error) => (error ? reject(error) : resolve(true)));
    });

  const close = (mode: 'announce' | 'drop'): Promise<void> => {
    closing ??= (async () => {
      if (mode === 'drop' || !client.connected) {
        // Destroying the socket without DISCONNECT makes the broker publish the last will.
        await client.endAsync(true).catch(() => undefined);
        return;
      }
      const announced = new Promise<void>((resolve) => {
        client.publish(status, 'offline', { qos: 1, retain: true }, () => resolve());
      });
      // The broker may be gone: never wait forever for the PUBACK.
      await within(announced, END_TIMEOUT_MS);
      await endWithin(client, END_TIMEOUT_MS);
    })();
    return closing;
  };

  return { device, client, ready, publish, close };
}

/** Waits for a promise at most `ms`; resolves 'timeout' when it did not settle in time. */
export async function within<T>(promise: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A clean end, forced when the broker does not answer in time (it may be gone). */
export async function endWithin(client: MqttClient, timeoutMs: number): Promise<void> {
  const outcome = await within(
    client.endAsync(false).catch(() => undefined),
    timeoutMs,
  );
  if (outcome === 'timeout') await client.endAsync(true).catch(() => undefined);
}
