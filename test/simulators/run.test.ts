// Integration: a real aedes broker on a free port, real mqtt.js clients, a real simulation.
import net from 'node:net';
import { Aedes } from 'aedes';
import { connectAsync, type MqttClient } from 'mqtt';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { CameraEvent, DroneTelemetry, SensorTelemetry } from '../../model/reading.js';
import { runSimulation, type SimulationProgress } from '../../simulators/index.js';

const TOPIC = /^city\/(sensor|camera|drone)\/([A-Za-z0-9_-]{1,64})\/(telemetry|event|status)$/;
const schemas = { sensor: SensorTelemetry, camera: CameraEvent, drone: DroneTelemetry } as const;

let broker: Aedes;
let server: net.Server;
let url: string;
const clients: MqttClient[] = [];
const connectedIds: string[] = [];
const auth: { clientId: string; username?: string; password?: string }[] = [];
const wills: string[] = [];

beforeEach(async () => {
  broker = await Aedes.createBroker();
  broker.authenticate = (client, username, password, done) => {
    auth.push({ clientId: client.id, username: username ?? undefined, password: password?.toString() });
    done(null, true);
  };
  broker.on('client', (c) => connectedIds.push(c.id));
  // A last will reaches authorizePublish as the CONNECT's will, without the `cmd` of a PUBLISH.
  broker.authorizePublish = (_client, packet, done) => {
    if (!('cmd' in packet && packet.cmd === 'publish')) wills.push(packet.topic);
    done(null);
  };
  server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.endAsync(true)));
  await new Promise<void>((resolve) => broker.close(() => resolve()));
  await new Promise<void>((resolve) => server.close(() => resolve()));
  connectedIds.length = 0;
  auth.length = 0;
  wills.length = 0;
});

async function subscriber(topic: string): Promise<{ client: MqttClient; messages: { topic: string; payload: string; retain: boolean }[] }> {
  const client = await connectAsync(url, { protocolVersion: 4, clientId: `test-${clients.length}-${Date.now()}`, reconnectPeriod: 0 });
  clients.push(client);
  const messages: { topic: string; payload: string; retain: boolean }[] = [];
  client.on('message', (t, payload, packet) => messages.push({ topic: t, payload: payload.toString(), retain: packet.retain }));
  await client.subscribeAsync(topic, { qos: 1 });
  return { client, messages };
}

/** Plays the service's refusal path: invalid payloads are answered on citysense/rejected/{kind}/{id}. */
function validate(m: { topic: string; payload: string }): boolean {
  const [, kind, , channel] = TOPIC.exec(m.topic) ?? [];
  if (!kind || channel === 'status') return false;
  try {
    return schemas[kind as keyof typeof schemas].safeParse(JSON.parse(m.payload)).success;
  } catch {
    return false;
  }
}

describe('runSimulation against a real broker', () => {
  it('publishes valid payloads on the contract topics, one connection per device, and counts refusals', async () => {
    const { client: refuser, messages } = await subscriber('city/#');
    let refusals = 0;
    refuser.on('message', (topic, payload) => {
      const [, kind, id, channel] = TOPIC.exec(topic) ?? [];
      if (channel === 'status' || validate({ topic, payload: payload.toString() })) return;
      refusals++;
      refuser.publish(`citysense/rejected/${kind}/${id}`, JSON.stringify({ topic, reason: 'invalid', issues: [] }));
    });
    const progress: SimulationProgress[] = [];
    const summary = await runSimulation(
      {
        url,
        sensors: 3,
        cameras: 1,
        drones: 1,
        rate: 10,
        duration: 2,
        seed: 5,
        malformed: 0.3,
        credentials: { 'sensor-001': { password: 'pw' } },
      },
      { onProgress: (p) => progress.push(p) },
    );

    const data = () => messages.filter((m) => !m.topic.endsWith('/status'));
    await vi.waitFor(() => expect(data().length).toBe(summary.sent));
    expect(messages.every((m) => TOPIC.test(m.topic))).toBe(true);
    // Sensors and drones publish every tick; a quiet camera only now and then.
    const ids = new Set(data().map((m) => TOPIC.exec(m.topic)![2]));
    for (const id of ['sensor-001', 'sensor-002', 'sensor-003', 'drone-001']) expect(ids).toContain(id);
    expect([...ids].every((id) => ['sensor-001', 'sensor-002', 'sensor-003', 'camera-001', 'drone-001'].includes(id!))).toBe(true);
    for (const m of data()) {
      const [, kind, , channel] = TOPIC.exec(m.topic)!;
      expect(channel).toBe(kind === 'camera' ? 'event' : 'telemetry');
    }
    const valid = data().filter(validate);
    expect(valid.length).toBe(summary.sent - summary.malformedSent);
    expect(summary.malformedSent).toBeGreaterThan(0);
    expect(summary.malformedSent).toBe(refusals);
    expect(summary.refused).toBeGreaterThan(0);
    expect(summary.refused).toBeLessThanOrEqual(refusals);
    expect(summary.errors).toBe(0);
    expect(progress.length).toBeGreaterThan(0);

    // Each device connected with its own client id; registered ones with username = id.
    for (const id of ['sensor-001', 'sensor-002', 'sensor-003', 'camera-001', 'drone-001']) expect(connectedIds).toContain(id);
    expect(auth.find((a) => a.clientId === 'sensor-001')).toMatchObject({ username: 'sensor-001', password: 'pw' });
    expect(auth.find((a) => a.clientId === 'sensor-002')?.username).toBeUndefined();
  });

  it('keeps online retained while running, and an abort ends every connection', async () => {
    const { messages } = await subscriber('city/+/+/telemetry');
    const abort = new AbortController();
    const run = runSimulation({ url, sensors: 2, cameras: 1, drones: 1, rate: 5, seed: 2 }, { signal: abort.signal });
    await vi.waitFor(() => expect(new Set(messages.map((m) => m.topic)).size).toBe(3), { timeout: 10_000 });

    const late = await subscriber('city/+/+/status');
    await vi.waitFor(() => expect(late.messages.length).toBe(4));
    expect(late.messages.every((m) => m.retain && m.payload === 'online')).toBe(true);
    expect(broker.connectedClients).toBe(clients.length + 4 + 1);

    abort.abort();
    const summary = await run;
    expect(summary.sent).toBeGreaterThan(0);
    await vi.waitFor(() => expect(broker.connectedClients).toBe(clients.length));
    const after = await subscriber('city/+/+/status');
    await vi.waitFor(() => expect(after.messages.length).toBe(4));
    expect(after.messages.every((m) => m.retain && m.payload === 'offline')).toBe(true);
  });

  it('outage: silenced devices announce offline or vanish so their last will fires', async () => {
    const statuses = await subscriber('city/+/+/status');
    const summary = await runSimulation({
      url,
      scenario: 'outage',
      sensors: 4,
      cameras: 0,
      drones: 0,
      rate: 10,
      startSec: 0.5,
      outageFraction: 0.5,
      duration: 1.5,
      seed: 3,
    });
    expect(summary.errors).toBe(0);
    await vi.waitFor(() => expect(wills.length).toBe(1));
    const offline = statuses.messages.filter((m) => m.payload === 'offline');
    // Two devices went down during the run (one announced, one by will), then two at the end.
    await vi.waitFor(() => expect(new Set(offline.map((m) => m.topic)).size).toBe(4));
  });
});
