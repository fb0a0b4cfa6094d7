// Grouping and departures through the real service: mqtt.js devices (MQTT 3.1.1), the real
// broker, rules and SQLite; incidents read over HTTP as an operator would.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connectMqtt, eventually, publish, startTestService, tempFile } from '../support/service.js';

const RULES = {
  rules: [
    {
      id: 'device-offline',
      version: 1,
      name: '设备离线',
      kind: 'absence',
      select: { kind: 'sensor' },
      after: '1s',
      severity: 'blue',
      category: 'device',
    },
  ],
};
// Three places far enough apart (500 m grid cells) to fall in three grids.
const PLACE = { a: { lat: 31.2304, lon: 121.4737 }, b: { lat: 31.3004, lon: 121.5537 }, c: { lat: 31.1504, lon: 121.3937 } };

type Svc = Awaited<ReturnType<typeof startTestService>>;
let svc: Svc;
const clients: MqttClient[] = [];

/** A sensor with its last will, seen once at `loc`. */
async function sensor(id: string, loc: { lat: number; lon: number }): Promise<MqttClient> {
  const c = await connectMqtt(svc.urls.mqtt, {
    clientId: id,
    will: { topic: `city/sensor/${id}/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
  });
  clients.push(c);
  await publish(c, `city/sensor/${id}/telemetry`, { metrics: { waterLevel: 0.1 }, loc });
  return c;
}

const deviceIncidents = async () =>
  (await api(svc.urls.http, '/api/incidents?category=device&limit=1000')).json.incidents as Array<Record<string, any>>;
const holding = (list: Array<Record<string, any>>, id: string) =>
  list.find((i) => i.members?.some((m: { deviceId: string }) => m.deviceId === id));

beforeAll(async () => {
  svc = await startTestService({ rules: tempFile('rules.json', RULES) });
});
afterAll(async () => {
  for (const c of clients) c.end(true);
  await svc.stop();
});

describe('grouping device-offline detections (absence rules group by grid by default)', () => {
  it('N devices of one grid going silent are one incident with N members; a second grid is a second incident', async () => {
    const a = ['ga-1', 'ga-2', 'ga-3', 'ga-4'];
    const b = ['gb-1', 'gb-2', 'gb-3'];
    for (const id of a) await sensor(id, PLACE.a); // stay connected and fall silent
    const dropped = await Promise.all(b.map((id) => sensor(id, PLACE.b)));
    // Lost connections: the socket goes without DISCONNECT, so the broker fires each last will.
    for (const c of dropped) c.stream.destroy();

    const both = await eventually(async () => {
      const list = await deviceIncidents();
      const members = list.flatMap((i) => (i.members ?? []).map((m: { deviceId: string }) => m.deviceId));
      return [...a, ...b].every((id) => members.includes(id)) && list;
    });
    expect(both).toHaveLength(2);
    const byMembers = (ids: string[]) => both.find((i) => i.members.some((m: { deviceId: string }) => m.deviceId === ids[0]));
    const ia = byMembers(a)!;
    const ib = byMembers(b)!;
    expect(ia.members.map((m: { deviceId: string }) => m.deviceId).sort()).toEqual(a);
    expect(ib.members.map((m: { deviceId: string }) => m.deviceId).sort()).toEqual(b);
    expect(ia.group).toMatchObject({ by: 'grid' });
    expect(ia.grid).not.toBe(ib.grid);
    for (const m of ia.members) expect(m.lastTs).toBeGreaterThanOrEqual(m.firstTs);
    // The detail carries the members too, and the timeline one detection per device.
    const detail = (await api(svc.urls.http, `/api/incidents/${ia.id}`)).json;
    expect(detail.members).toHaveLength(4);
  });

  it('a device that says goodbye (offline then DISCONNECT, or DISCONNECT alone) raises nothing; a silent neighbour does', async () => {
    const announcer = await sensor('gc-bye', PLACE.c);
    const quiet = await sensor('gc-quiet', PLACE.c);
    await sensor('gc-silent', PLACE.c);
    await publish(announcer, 'city/sensor/gc-bye/status', 'offline');
    await announcer.endAsync(false);
    await quiet.endAsync(false);

    const inGridC = await eventually(async () => holding(await deviceIncidents(), 'gc-silent'));
    const grid = inGridC.grid;
    expect(grid).toBeDefined();
    // Twice the rule's `after`: the goodbyes had every chance to raise.
    await new Promise((r) => setTimeout(r, 2_000));
    const again = (await deviceIncidents()).filter((i) => i.grid === grid);
    expect(again).toHaveLength(1);
    expect(again[0]!.id).toBe(inGridC.id);
    expect(again[0]!.members.map((m: { deviceId: string }) => m.deviceId)).toEqual(['gc-silent']);
  });
});
