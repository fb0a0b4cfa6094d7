// Shared set-up for the broker integration tests: a real aedes broker on free ports with a
// registry file in a temp dir, real ingest, and real mqtt.js clients (MQTT 3.1.1).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { pino } from 'pino';
import { concat, first, firstValueFrom, from } from 'rxjs';
import { createBroker, loadRegistry, type BrokerLimitsInput, type CitysenseBroker } from '../../broker/index.js';
import { createGridLocator, createIngest, type Ingest, type Reading } from '../../ingest/index.js';

export const DEVICES = {
  devices: [
    { id: 's1', kind: 'sensor', password: 'pw-s1', loc: { lat: 39.9, lon: 116.4 }, district: 'Dongcheng', grid: 'DC-01' },
    { id: 's2', kind: 'sensor', username: 'gateway-s2', password: 'pw-s2' },
    { id: 'c1', kind: 'camera', password: 'pw-c1', loc: { lat: 39.91, lon: 116.41 } },
    // An operator's tool: a registry login allowed to watch everything, publish nothing of others.
    { id: 'ops', kind: 'sensor', password: 'pw-ops', subscribe: ['city/#', 'citysense/rejected/#'] },
  ],
};

export interface Harness {
  broker: CitysenseBroker;
  ingest: Ingest;
  ports: { mqttPort: number; wsPort: number };
  readings: Reading[];
  /** Connect a real mqtt.js client over TCP (or WebSocket); closed by `close()`. */
  connect(opts?: IClientOptions & { ws?: boolean }): Promise<MqttClient>;
  close(): Promise<void>;
}

/** Start broker + ingest on 127.0.0.1, port 0. */
export async function startHarness({
  allowAnonymous = false,
  limits = {},
}: { allowAnonymous?: boolean; limits?: BrokerLimitsInput } = {}): Promise<Harness> {
  const dir = mkdtempSync(join(tmpdir(), 'citysense-broker-'));
  const registryPath = join(dir, 'devices.json');
  writeFileSync(registryPath, JSON.stringify(DEVICES));
  const logger = pino({ level: 'silent' });
  const registry = await loadRegistry(registryPath);
  const broker = await createBroker({ mqttPort: 0, wsPort: 0, host: '127.0.0.1', registry, allowAnonymous, logger, limits });
  const ingest = createIngest({ broker, registry, grid: createGridLocator({ cellSizeM: 500 }), logger });
  const readings: Reading[] = [];
  ingest.readings$.subscribe((r) => readings.push(r));
  const ports = await broker.start();
  const clients: MqttClient[] = [];

  return {
    broker,
    ingest,
    ports,
    readings,
    async connect({ ws = false, ...opts } = {}) {
      const url = ws ? `ws://127.0.0.1:${ports.wsPort}/mqtt` : `mqtt://127.0.0.1:${ports.mqttPort}`;
      const client = await mqtt.connectAsync(url, { protocolVersion: 4, reconnectPeriod: 0, ...opts });
      clients.push(client);
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      ingest.close();
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Resolve with the first message on `client` whose topic satisfies `match`. */
export function nextMessage(client: MqttClient, match: (topic: string) => boolean): Promise<{ topic: string; json: unknown }> {
  return new Promise((resolve) => {
    const onMessage = (topic: string, payload: Buffer) => {
      if (!match(topic)) return;
      client.off('message', onMessage);
      resolve({ topic, json: JSON.parse(payload.toString()) });
    };
    client.on('message', onMessage);
  });
}

/** Resolve once ingest has emitted a reading satisfying `match` (already-emitted ones count). */
export function waitForReading(h: Harness, match: (r: Reading) => boolean): Promise<Reading> {
  // Synchronous from → subscribe: no reading can slip between the two.
  return firstValueFrom(concat(from([...h.readings]), h.ingest.readings$).pipe(first(match)));
}

/** Collect every message a client receives, for "never arrived" checks after a barrier. */
export function record(client: MqttClient): Array<{ topic: string; payload: string }> {
  const seen: Array<{ topic: string; payload: string }> = [];
  client.on('message', (topic, payload) => seen.push({ topic, payload: payload.toString() }));
  return seen;
}
