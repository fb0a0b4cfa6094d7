// The running service with InfluxDB as its time-series sink, against a real influxd (1.x, so the
// v1 write path): what gateways publish and what the incident loop does is read back with
// InfluxQL, tags, fields and timestamps included, and a review's telemetry comes from InfluxDB.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../app/service.js';
import { api, connectMqtt, eventually, publish, startTestService, tempFile } from '../support/service.js';
import { influxdInstalled, startInfluxd, type Influxd } from '../../harness/influxd.js';

const installed = influxdInstalled();
if (!installed) console.warn('influxd is not installed (Debian package `influxdb`): InfluxDB integration tests skipped');

const RULES = {
  rules: [
    {
      id: 'water-high',
      version: 3,
      name: '积水超限',
      kind: 'threshold',
      select: { kind: 'sensor', metric: 'waterLevel' },
      above: 0.5,
      severity: 'orange',
      category: 'flood',
    },
  ],
};
const DEVICES = {
  devices: [
    {
      id: 'sensor-ifx-1',
      kind: 'sensor',
      password: 'pw-sensor-1',
      loc: { lat: 31.2304, lon: 121.4737 },
      district: 'huangpu',
      grid: 'G-12-34',
    },
    { id: 'cam-ifx-1', kind: 'camera', password: 'pw-cam-1', loc: { lat: 31.24, lon: 121.48 }, district: 'jingan', grid: 'G-13-35' },
    { id: 'drone-ifx-1', kind: 'drone', password: 'pw-drone-1', district: 'pudong', grid: 'G-14-36' },
  ],
};

/** Rows of the first series of an InfluxQL answer as objects. */
const rows = (answer: any): Array<Record<string, unknown>> => {
  const s = answer?.results?.[0]?.series?.[0];
  if (!s) return [];
  return s.values.map((v: unknown[]) => Object.fromEntries(s.columns.map((c: string, i: number) => [c, v[i]])));
};

describe.skipIf(!installed)('InfluxDB sink in the running service (real influxd, v1 API)', () => {
  let influxd: Influxd;
  let svc: RunningService;
  const clients: MqttClient[] = [];
  const t0 = Date.now() - 60_000; // whole ms, in the review window

  beforeAll(async () => {
    influxd = await startInfluxd('city');
    svc = await startTestService({
      rules: tempFile('rules.json', RULES),
      devices: tempFile('devices.json', DEVICES),
      allowAnonymous: false,
      flows: { enabled: false },
      influx: { url: influxd.url, bucket: 'city/autogen', api: 'v1', flushInterval: '50ms' },
    });
  });
  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync()));
    await svc?.stop();
    await influxd?.close();
  });

  const gateway = async (id: string, password: string) => {
    const c = await connectMqtt(svc.urls.mqtt, { clientId: id, username: id, password });
    clients.push(c);
    return c;
  };
  const query = async (q: string) =>
    eventually(async () => {
      const r = rows(await influxd.query(q));
      return r.length > 0 ? r : undefined;
    });

  let incidentId: string;

  it('writes sensor telemetry with its tags, fields and timestamp, and the detection and incident it raises', async () => {
    const g = await gateway('sensor-ifx-1', 'pw-sensor-1');
    await publish(g, 'city/sensor/sensor-ifx-1/telemetry', { ts: t0, metrics: { waterLevel: 0.62, temperature: 21.5 } });
    const [t] = await query(`SELECT * FROM telemetry WHERE device = 'sensor-ifx-1'`);
    expect(t).toEqual({
      time: t0 * 1000, // µs
      kind: 'sensor',
      device: 'sensor-ifx-1',
      district: 'huangpu',
      grid: 'G-12-34',
      waterLevel: 0.62,
      temperature: 21.5,
      loc_lat: 31.2304,
      loc_lon: 121.4737,
    });
    const [d] = await query(`SELECT * FROM detection WHERE rule = 'water-high'`);
    expect(d).toMatchObject({
      time: t0 * 1000,
      rule: 'water-high',
      rule_version: 3,
      severity: 'orange',
      category: 'flood',
      phase: 'raise',
      kind: 'sensor',
      device: 'sensor-ifx-1',
      district: 'huangpu',
      grid: 'G-12-34',
      value: 0.62,
      metric: 'waterLevel',
    });
    const [opened] = await query(`SELECT * FROM incident_event WHERE "type" = 'opened'`);
    expect(opened).toMatchObject({
      stage: 'warning',
      severity: 'orange',
      category: 'flood',
      district: 'huangpu',
      grid: 'G-12-34',
      department: 'water-affairs',
      actor: 'rule:water-high',
      state: 'warning',
    });
    incidentId = opened!.incident as string;
    expect(incidentId).toMatch(/^INC-/);
  });

  it('writes camera events and drone positions with their detections', async () => {
    const cam = await gateway('cam-ifx-1', 'pw-cam-1');
    await publish(cam, 'city/camera/cam-ifx-1/event', { ts: t0 + 1, type: 'smoke', confidence: 0.91, count: 2 });
    const drone = await gateway('drone-ifx-1', 'pw-drone-1');
    const loc = { lat: 31.25, lon: 121.5, alt: 120 };
    await publish(drone, 'city/drone/drone-ifx-1/telemetry', {
      ts: t0 + 2,
      loc,
      battery: 76,
      speed: 8.5,
      mission: 'patrol-7',
      detections: [{ type: 'crowd', confidence: 0.7 }],
    });

    const [smoke] = await query(`SELECT * FROM "event" WHERE device = 'cam-ifx-1'`);
    expect(smoke).toMatchObject({
      time: (t0 + 1) * 1000,
      kind: 'camera',
      type: 'smoke',
      district: 'jingan',
      grid: 'G-13-35',
      confidence: 0.91,
      count: 2,
      loc_lat: 31.24,
    });
    const [pos] = await query(`SELECT * FROM drone_position WHERE device = 'drone-ifx-1'`);
    expect(pos).toMatchObject({
      time: (t0 + 2) * 1000,
      kind: 'drone',
      district: 'pudong',
      battery: 76,
      speed: 8.5,
      alt: 120,
      loc_lat: 31.25,
      loc_lon: 121.5,
      mission: 'patrol-7',
    });
    const [crowd] = await query(`SELECT * FROM "event" WHERE device = 'drone-ifx-1'`);
    expect(crowd).toMatchObject({ time: (t0 + 2) * 1000, kind: 'drone', type: 'crowd', confidence: 0.7, loc_lat: 31.25 });
  });

  it('acknowledges a QoS 1 publish only once its point is in InfluxDB', async () => {
    const g = await gateway('sensor-ifx-1', 'pw-sensor-1');
    // Many on the wire at once: their acks share write requests, and each ack means written.
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => publish(g, 'city/sensor/sensor-ifx-1/telemetry', { ts: t0 + 100 + i, metrics: { rain: 0.1 } })),
    );
    const answer = rows(await influxd.query(`SELECT count(rain) FROM telemetry WHERE device = 'sensor-ifx-1'`));
    expect(answer[0]?.count).toBe(20);
  });

  it('records each step of the incident loop as an incident_event', async () => {
    const r = await api(svc.urls.http, `/api/incidents/${incidentId}/actions`, {
      body: { action: 'acknowledge', by: 'op-li', note: 'on it' },
    });
    expect(r.status).toBe(200);
    const [ack] = await query(`SELECT * FROM incident_event WHERE "type" = 'acknowledged'`);
    expect(ack).toMatchObject({
      incident: incidentId,
      stage: 'handling',
      actor: 'op-li',
      note: 'on it',
      from_state: 'warning',
      to_state: 'acknowledged',
    });
  });

  it('builds the review telemetry from InfluxDB', async () => {
    // A point only InfluxDB has: written straight to /write, never seen by the service.
    const res = await fetch(`${influxd.url}/write?db=city&precision=ms`, {
      method: 'POST',
      body: `telemetry,device=sensor-ifx-1,kind=sensor,grid=G-12-34 waterLevel=0.44 ${t0 - 30_000}`,
    });
    expect(res.status).toBe(204);
    const review = await api(svc.urls.http, `/api/incidents/${incidentId}/review`);
    expect(review.status).toBe(200);
    expect(review.json.telemetry.source).toBe('influxdb');
    const level = review.json.telemetry.series.find((s: any) => s.deviceId === 'sensor-ifx-1' && s.metric === 'waterLevel');
    expect(level.points).toEqual([
      { ts: t0 - 30_000, value: 0.44 },
      { ts: t0, value: 0.62 },
    ]);
  });

  it('shows the sink in /api/health and /metrics', async () => {
    const health = await api(svc.urls.http, '/api/health', { token: null });
    expect(health.json.influxdb).toMatchObject({ ok: true, configured: true, state: 'ok', rejected: 0, lost: 0, spoolDepth: 0 });
    expect(health.json.influxdb.written).toBeGreaterThanOrEqual(6);
    const metrics = await api(svc.urls.http, '/metrics', { token: null });
    expect(metrics.text).toMatch(/^citysense_influx_up 1$/m);
    expect(metrics.text).toMatch(/^citysense_influx_points_total\{outcome="written"\} \d+$/m);
    expect(metrics.text).toMatch(/^citysense_influx_spool_points 0$/m);
  });
});
