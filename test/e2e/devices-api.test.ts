// GET /api/devices against the running service: devices appear as they publish (anonymous and
// registered), online follows status publishes and the MQTT connection, open incidents are
// counted in the caller's scope, filters work and bad ones are refused naming the parameter,
// and the list survives a restart.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, connectMqtt, eventually, publish, startTestService, tempFile } from '../support/service.js';

const RULES = {
  rules: [
    {
      id: 'water-high',
      version: 1,
      name: '积水超限',
      kind: 'threshold',
      select: { metric: 'waterLevel' },
      above: 0.5,
      severity: 'orange',
      category: 'flood',
    },
    {
      id: 'gas-leak',
      version: 1,
      name: '燃气泄漏',
      kind: 'threshold',
      select: { metric: 'gas' },
      above: 20,
      severity: 'red',
      category: 'gas',
    },
  ],
};
const DEVICES = {
  devices: [
    { id: 'cam-reg-1', kind: 'camera', password: 'pw-cam-reg-1', grid: 'G-REG', district: 'dist-a', loc: { lat: 31.2, lon: 121.4 } },
  ],
};
const GAS_DESK = 'gas-desk-viewer-token-0123';
const LOC = { lat: 31.2304, lon: 121.4737 };

type DeviceView = {
  id: string;
  kind: string;
  grid: string | null;
  district: string | null;
  loc: unknown;
  lastSeen: string | null;
  online: boolean;
  connected: boolean;
  status: string | null;
  openIncidents: { count: number; ids: string[] };
};

describe('GET /api/devices', () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  const clients: MqttClient[] = [];
  beforeAll(async () => {
    svc = await startTestService({
      rules: tempFile('rules.json', RULES),
      devices: tempFile('devices.json', DEVICES),
      tokens: [{ name: 'gas-desk', token: GAS_DESK, role: 'viewer', department: 'gas-utility' }],
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true)));
    await svc?.stop();
  });

  const list = async (query = '', token?: string) => {
    const r = await api(svc.urls.http, `/api/devices${query}`, token ? { token } : {});
    expect(r.status).toBe(200);
    expect(r.json.count).toBe(r.json.devices.length);
    return r.json.devices as DeviceView[];
  };
  const device = async (id: string, token?: string) => (await list('', token)).find((d) => d.id === id);
  const gateway = async (id: string, opts = {}) => {
    const c = await connectMqtt(svc.urls.mqtt, { clientId: id, ...opts });
    clients.push(c);
    return c;
  };

  it('lists a registered device before it publishes: placement from the registry, never seen, offline', async () => {
    expect(await device('cam-reg-1')).toEqual({
      id: 'cam-reg-1',
      kind: 'camera',
      registered: true,
      grid: 'G-REG',
      district: 'dist-a',
      loc: { lat: 31.2, lon: 121.4 },
      lastSeen: null,
      online: false,
      connected: false,
      status: null,
      openIncidents: { count: 0, ids: [] },
    });
  });

  it('adds an anonymous device once it publishes, with its grid, location and last-seen time', async () => {
    const g = await gateway('sensor-d1');
    const before = Date.now();
    await publish(g, 'city/sensor/sensor-d1/telemetry', { metrics: { level: 1 }, loc: LOC });
    const d = await eventually(() => device('sensor-d1'));
    expect(d).toMatchObject({
      kind: 'sensor',
      loc: LOC,
      online: true,
      connected: true,
      status: null,
      openIncidents: { count: 0, ids: [] },
    });
    expect(d.grid).toMatch(/\S/);
    const seen = Date.parse(d.lastSeen!);
    expect(seen).toBeGreaterThanOrEqual(before);
    expect(seen).toBeLessThanOrEqual(Date.now());
  });

  it('follows status publishes and the connection: offline, online, then disconnected', async () => {
    const g = await gateway('sensor-d2');
    await publish(g, 'city/sensor/sensor-d2/status', 'offline');
    expect(await eventually(() => device('sensor-d2'))).toMatchObject({ online: false, connected: true, status: 'offline' });
    await publish(g, 'city/sensor/sensor-d2/status', 'online');
    expect(await device('sensor-d2')).toMatchObject({ online: true, status: 'online' });
    await g.endAsync();
    expect(
      await eventually(async () => ((await device('sensor-d2'))?.connected === false ? device('sensor-d2') : undefined)),
    ).toMatchObject({ online: false });
  });

  it('takes a last will as the device going offline', async () => {
    const g = await gateway('sensor-d3', {
      will: { topic: 'city/sensor/sensor-d3/status', payload: Buffer.from('offline'), qos: 1, retain: true },
    });
    await publish(g, 'city/sensor/sensor-d3/telemetry', { metrics: { level: 2 } });
    expect(await eventually(() => device('sensor-d3'))).toMatchObject({ online: true });
    g.stream.destroy(); // no DISCONNECT: the broker publishes the will
    expect(
      await eventually(async () => ((await device('sensor-d3'))?.status === 'offline' ? device('sensor-d3') : undefined)),
    ).toMatchObject({ online: false, connected: false });
  });

  it('counts open incidents per device, in the caller’s department scope', async () => {
    const g = await gateway('sensor-d4');
    await publish(g, 'city/sensor/sensor-d4/telemetry', { metrics: { waterLevel: 0.9, gas: 35 }, loc: LOC });
    const d = await eventually(async () => ((await device('sensor-d4'))?.openIncidents.count === 2 ? device('sensor-d4') : undefined));
    const incidents = (await api(svc.urls.http, '/api/incidents')).json.incidents as Array<{
      id: string;
      deviceId: string;
      category: string;
    }>;
    const mine = incidents.filter((i) => i.deviceId === 'sensor-d4');
    expect([...d!.openIncidents.ids].sort()).toEqual(mine.map((i) => i.id).sort());
    // The gas desk sees the gas incident only.
    const gas = mine.find((i) => i.category === 'gas')!;
    expect((await device('sensor-d4', GAS_DESK))!.openIncidents).toEqual({ count: 1, ids: [gas.id] });
    // A closed case no longer counts.
    const flood = mine.find((i) => i.category === 'flood')!;
    expect((await api(svc.urls.http, `/api/incidents/${flood.id}/actions`, { body: { action: 'false_alarm', by: 'op-1' } })).status).toBe(
      200,
    );
    expect((await device('sensor-d4'))!.openIncidents).toEqual({ count: 1, ids: [gas.id] });
  });

  it('filters by kind, grid, district and online', async () => {
    await eventually(() => device('sensor-d1'));
    expect((await list('?kind=camera')).map((d) => d.id)).toEqual(['cam-reg-1']);
    expect((await list('?grid=G-REG')).map((d) => d.id)).toEqual(['cam-reg-1']);
    expect((await list('?district=dist-a&kind=camera')).map((d) => d.id)).toEqual(['cam-reg-1']);
    expect((await list('?district=dist-a&kind=sensor')).map((d) => d.id)).toEqual([]);
    const online = await list('?online=true');
    const offline = await list('?online=false');
    expect(online.every((d) => d.online) && offline.every((d) => !d.online)).toBe(true);
    expect(online.map((d) => d.id)).toContain('sensor-d1');
    expect(offline.map((d) => d.id)).toEqual(expect.arrayContaining(['cam-reg-1', 'sensor-d2']));
    expect(online.length + offline.length).toBe((await list()).length);
    expect((await list('?kind=sensor&online=true')).every((d) => d.kind === 'sensor' && d.online)).toBe(true);
  });

  it.each([
    ['?kind=boat', 'kind'],
    ['?online=yes', 'online'],
    ['?grid=', 'grid'],
    ['?knd=sensor', 'knd'],
  ])('refuses %s with 400 naming %s', async (query, path) => {
    const r = await api(svc.urls.http, `/api/devices${query}`);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'bad_query', issues: [expect.objectContaining({ path })] });
  });

  it('needs a token; a viewer may read', async () => {
    expect((await api(svc.urls.http, '/api/devices', { token: null })).status).toBe(401);
    expect((await list('', GAS_DESK)).length).toBeGreaterThan(0);
  });
});

describe('GET /api/devices after a restart', () => {
  it('is refilled from the newest stored reading of each device', async () => {
    const first = await startTestService({ rules: tempFile('rules.json', RULES) });
    const g = await connectMqtt(first.urls.mqtt, { clientId: 'sensor-r1' });
    await publish(g, 'city/sensor/sensor-r1/telemetry', { metrics: { level: 1 }, loc: LOC });
    await publish(g, 'city/sensor/sensor-r1/status', 'offline');
    const before = (await eventually(async () =>
      (await api(first.urls.http, '/api/devices')).json.devices.find((d: DeviceView) => d.status === 'offline'),
    )) as DeviceView;
    await g.endAsync();
    await first.stop();
    const second = await startTestService({ rules: tempFile('rules.json', RULES), dataDir: first.dataDir });
    try {
      const after = await eventually(async () =>
        (await api(second.urls.http, '/api/devices')).json.devices.find((d: DeviceView) => d.id === 'sensor-r1'),
      );
      expect(after).toMatchObject({
        kind: 'sensor',
        grid: before.grid,
        loc: LOC,
        lastSeen: before.lastSeen,
        status: 'offline',
        online: false,
        connected: false,
      });
    } finally {
      await second.stop();
    }
  });
});
