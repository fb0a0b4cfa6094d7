// A real aedes broker + ingest with a small device registry and chosen limits, for the
// security tests; a raw MQTT socket for what mqtt.js would refuse to send.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as netConnect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import mqttPacket from 'mqtt-packet';
import { pino } from 'pino';
import { createBroker, loadRegistry, type BrokerLimitsInput, type CitysenseBroker } from '../../broker/index.js';
import { createGridLocator, createIngest, type Ingest, type Reading } from '../../ingest/index.js';

export const DEVICES = {
  devices: [
    { id: 's1', kind: 'sensor', password: 'pw-s1' },
    { id: 's2', kind: 'sensor', password: 'pw-s2' },
    { id: 'c1', kind: 'camera', password: 'pw-c1' },
    { id: 'ops', kind: 'sensor', password: 'pw-ops', subscribe: ['city/#', 'citysense/rejected/#'] },
  ],
};

export interface SecurityHarness {
  broker: CitysenseBroker;
  ingest: Ingest;
  port: number;
  readings: Reading[];
  connect(opts?: IClientOptions): Promise<MqttClient>;
  close(): Promise<void>;
}

/** Broker + ingest on 127.0.0.1:0 with the given limits. */
export async function startBroker(opts: { limits?: BrokerLimitsInput; allowAnonymous?: boolean } = {}): Promise<SecurityHarness> {
  const dir = mkdtempSync(join(tmpdir(), 'citysense-sec-'));
  writeFileSync(join(dir, 'devices.json'), JSON.stringify(DEVICES));
  const logger = pino({ level: process.env.TEST_LOG ?? 'silent' });
  const registry = await loadRegistry(join(dir, 'devices.json'));
  const broker = await createBroker({
    mqttPort: 0,
    wsPort: 0,
    host: '127.0.0.1',
    registry,
    logger,
    allowAnonymous: opts.allowAnonymous ?? false,
    limits: opts.limits,
  });
  const ingest = createIngest({ broker, registry, grid: createGridLocator({ cellSizeM: 500 }), logger });
  const readings: Reading[] = [];
  ingest.readings$.subscribe((r) => readings.push(r));
  const { mqttPort } = await broker.start();
  const clients: MqttClient[] = [];
  return {
    broker,
    ingest,
    port: mqttPort,
    readings,
    async connect(o = {}) {
      const c = await mqtt.connectAsync(`mqtt://127.0.0.1:${mqttPort}`, { protocolVersion: 4, reconnectPeriod: 0, ...o });
      clients.push(c);
      return c;
    },
    async close() {
      await Promise.all(clients.map((c) => c.endAsync(true)));
      ingest.close();
      await broker.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An MQTT 3.1.1 connection on a bare socket: sends any packet mqtt-packet can encode, parses replies. */
export class RawClient {
  readonly packets: mqttPacket.Packet[] = [];
  closed = false;
  private readonly parser = mqttPacket.parser({ protocolVersion: 4 });
  private constructor(readonly socket: Socket) {
    this.parser.on('packet', (p) => this.packets.push(p));
    socket.on('data', (d) => this.parser.parse(d));
    socket.on('close', () => (this.closed = true));
    socket.on('error', () => {});
  }

  /** Connect and wait for CONNACK; resolves with the client and the CONNACK return code. */
  static async open(
    port: number,
    connect: { clientId: string; username?: string; password?: string; will?: { topic: string; payload: string } },
  ): Promise<{ client: RawClient; returnCode: number | undefined }> {
    const socket = netConnect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const client = new RawClient(socket);
    client.send({
      cmd: 'connect',
      protocolId: 'MQTT',
      protocolVersion: 4,
      clean: true,
      keepalive: 0,
      clientId: connect.clientId,
      ...(connect.username ? { username: connect.username, password: Buffer.from(connect.password ?? '') } : {}),
      ...(connect.will ? { will: { topic: connect.will.topic, payload: Buffer.from(connect.will.payload), qos: 0, retain: false } } : {}),
    } as mqttPacket.IConnectPacket);
    const connack = (await client.until((p) => p.cmd === 'connack')) as mqttPacket.IConnackPacket | undefined;
    return { client, returnCode: connack?.returnCode };
  }

  send(packet: mqttPacket.Packet): void {
    if (!this.closed) this.socket.write(mqttPacket.generate(packet));
  }

  /** The first packet matching `pred`, or undefined once the connection is closed or 5 s pass. */
  async until(pred: (p: mqttPacket.Packet) => boolean, timeoutMs = 5000): Promise<mqttPacket.Packet | undefined> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.packets.find(pred);
      if (hit || this.closed || Date.now() > end) return hit;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  destroy(): void {
    this.socket.destroy();
  }
}
