// Muting never eats a warning, end to end: a gateway crosses the threshold while muted and keeps
// its value (or goes quiet); the incident opens when the silence ends or the inhibitor closes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
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
      clear: { below: 0.4 },
      severity: 'orange',
      category: 'flood',
    },
    {
      id: 'rain-heavy',
      version: 1,
      name: '强降雨',
      kind: 'threshold',
      select: { metric: 'rain' },
      above: 30,
      severity: 'yellow',
      category: 'flood',
    },
  ],
};
// Places far apart (500 m grid cells): each test has its own grid, so no incident of one inhibits another's.
const A = { lat: 31.2304, lon: 121.4737 };
const B = { lat: 31.26, lon: 121.52 };
const C = { lat: 31.3, lon: 121.6 };
const D = { lat: 31.18, lon: 121.42 };

type Svc = Awaited<ReturnType<typeof startTestService>>;
type Incident = { id: string; deviceId?: string; state: string };
type Event = { type: string; note?: string };
let svc: Svc;
const clients: MqttClient[] = [];

beforeAll(async () => {
  svc = await startTestService({ rules: tempFile('rules.json', RULES) });
});
afterAll(async () => {
  await Promise.all(clients.map((c) => c.endAsync()));
  await svc?.stop();
});

const device = async (id: string) => {
  const c = await connectMqtt(svc.urls.mqtt, { clientId: id });
  clients.push(c);
  return c;
};
const incidentsOf = async (deviceId: string) =>
  ((await api(svc.urls.http, '/api/incidents')).json.incidents as Incident[]).filter((i) => i.deviceId === deviceId);
const mutedCount = async (reason: string) => {
  const text = (await api(svc.urls.http, '/metrics', { token: null })).text;
  return [...text.matchAll(new RegExp(`citysense_detections_muted_total\\{reason="${reason}"[^}]*\\} (\\d+)`, 'g'))].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
};
const firstEvent = async (id: string) => ((await api(svc.urls.http, `/api/incidents/${id}`)).json.timeline as Event[])[0]!;
const silence = async (matchers: Record<string, string>, duration: string) => {
  const r = await api(svc.urls.http, '/api/silences', { body: { matchers, createdBy: 'op-li', comment: 'pump maintenance', duration } });
  expect(r.status).toBe(201);
  return r.json.id as string;
};

describe('a muted flood still opens its incident', () => {
  it('when its silence is deleted, with no reading after the crossing', async () => {
    const id = await silence({ device: 'sensor-m1' }, '1h');
    const before = await mutedCount('silence');
    const s = await device('sensor-m1');
    await publish(s, 'city/sensor/sensor-m1/telemetry', { metrics: { waterLevel: 0.9 }, loc: A });
    await eventually(async () => (await mutedCount('silence')) > before);
    expect(await incidentsOf('sensor-m1')).toEqual([]);

    expect((await api(svc.urls.http, `/api/silences/${id}?by=op-li`, { method: 'DELETE' })).status).toBe(200);
    const [inc] = await eventually(async () => {
      const found = await incidentsOf('sensor-m1');
      return found.length ? found : undefined;
    });
    const opened = await firstEvent(inc!.id);
    expect(opened.type).toBe('opened');
    expect(opened.note).toContain(`muted by silence ${id} from `);
  });

  it('when its silence ends by the clock, while the sensor keeps the same high value', async () => {
    const id = await silence({ device: 'sensor-m2' }, '2s');
    const before = await mutedCount('silence');
    const s = await device('sensor-m2');
    await publish(s, 'city/sensor/sensor-m2/telemetry', { metrics: { waterLevel: 0.9 }, loc: B });
    await eventually(async () => (await mutedCount('silence')) > before);
    // The same value again: the rule is raised already and emits nothing new.
    await publish(s, 'city/sensor/sensor-m2/telemetry', { metrics: { waterLevel: 0.9 }, loc: B });
    const [inc] = await eventually(async () => {
      const found = await incidentsOf('sensor-m2');
      return found.length ? found : undefined;
    });
    expect((await firstEvent(inc!.id)).note).toContain(`muted by silence ${id}`);
    expect(await incidentsOf('sensor-m2')).toHaveLength(1);
  });

  it('not when it cleared during the silence', async () => {
    const id = await silence({ device: 'sensor-m3' }, '1h');
    const before = await mutedCount('silence');
    const s = await device('sensor-m3');
    await publish(s, 'city/sensor/sensor-m3/telemetry', { metrics: { waterLevel: 0.9 }, loc: C });
    await publish(s, 'city/sensor/sensor-m3/telemetry', { metrics: { waterLevel: 0.1 }, loc: C });
    await eventually(async () => (await mutedCount('silence')) >= before + 2); // the raise and the clear
    await api(svc.urls.http, `/api/silences/${id}`, { method: 'DELETE' });
    // A later, unsilenced device in the same place opens its incident: by then a wrong one would be there too.
    const probe = await device('sensor-m3b');
    await publish(probe, 'city/sensor/sensor-m3b/telemetry', { metrics: { waterLevel: 0.9 }, loc: C });
    await eventually(async () => (await incidentsOf('sensor-m3b')).length === 1);
    expect(await incidentsOf('sensor-m3')).toEqual([]);
  });

  it('when the orange incident inhibiting it is closed as a false alarm', async () => {
    const big = await device('sensor-i1');
    await publish(big, 'city/sensor/sensor-i1/telemetry', { metrics: { waterLevel: 0.8 }, loc: D });
    const [orange] = await eventually(async () => {
      const found = await incidentsOf('sensor-i1');
      return found.length ? found : undefined;
    });
    const before = await mutedCount('inhibition');
    const small = await device('sensor-i2');
    await publish(small, 'city/sensor/sensor-i2/telemetry', { metrics: { rain: 50 }, loc: D });
    await eventually(async () => (await mutedCount('inhibition')) > before);
    expect(await incidentsOf('sensor-i2')).toEqual([]);

    const r = await api(svc.urls.http, `/api/incidents/${orange!.id}/actions`, { body: { action: 'false_alarm', by: 'op-li' } });
    expect(r.status).toBe(200);
    const [inc] = await eventually(async () => {
      const found = await incidentsOf('sensor-i2');
      return found.length ? found : undefined;
    });
    expect((await firstEvent(inc!.id)).note).toContain(`inhibited by incident ${orange!.id} from `);
  });
});
