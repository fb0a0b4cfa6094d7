// GET /api/telemetry and the device list's restore with InfluxDB as the time-series store, against
// a real influxd (1.x, InfluxQL GROUP BY time): the same known values give the same buckets as on
// SQLite, a drone's metrics come from their own measurement, and a restart refills the device list.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN, knownSeries, wholeMinuteAgo } from '../fixtures/telemetry/series.js';
import { api, connectMqtt, eventually, publish, startTestService } from '../support/service.js';
import { influxdInstalled, startInfluxd, type Influxd } from '../../harness/influxd.js';

const installed = influxdInstalled();
if (!installed) console.warn('influxd is not installed (Debian package `influxdb`): InfluxDB telemetry query tests skipped');

const T = wholeMinuteAgo(30);
const { published, expected1m, window } = knownSeries(T);

describe.skipIf(!installed)('GET /api/telemetry on InfluxDB (real influxd, v1 API)', () => {
  let influxd: Influxd;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  const influx = () => ({ url: influxd.url, bucket: 'city/autogen', api: 'v1' as const, flushInterval: '50ms' });

  beforeAll(async () => {
    influxd = await startInfluxd('city');
    svc = await startTestService({ influx: influx() });
    const g = await connectMqtt(svc.urls.mqtt, { clientId: 'sensor-ifq' });
    // QoS 1: acknowledged once written to InfluxDB (or spooled).
    for (const p of published) await publish(g, 'city/sensor/sensor-ifq/telemetry', { ...p, loc: { lat: 31.23, lon: 121.47 } });
    const d = await connectMqtt(svc.urls.mqtt, { clientId: 'drone-ifq' });
    await publish(d, 'city/drone/drone-ifq/telemetry', {
      ts: T + 1000,
      loc: { lat: 31.2, lon: 121.4, alt: 100 },
      battery: 80,
      mission: 'patrol',
    });
    await publish(d, 'city/drone/drone-ifq/telemetry', {
      ts: T + 2000,
      loc: { lat: 31.2, lon: 121.4, alt: 120 },
      battery: 70,
      mission: 'patrol',
    });
    await publish(d, 'city/drone/drone-ifq/status', 'offline');
    await Promise.all([g.endAsync(), d.endAsync()]);
  });
  afterAll(async () => {
    await svc?.stop();
    await influxd?.close();
  });

  const get = (base: string, q: string) => api(base, `/api/telemetry?${q}`);

  it('buckets every metric of one device with GROUP BY time, as SQLite does', async () => {
    const r = await get(svc.urls.http, `device=sensor-ifq&from=${window.from}&to=${window.to}&step=1m`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      device: 'sensor-ifq',
      from: new Date(T).toISOString(),
      to: new Date(window.to).toISOString(),
      step: MIN,
      series: expected1m,
    });
  });

  it('takes one metric; a drone’s metrics leave out its location and mission', async () => {
    const one = await get(svc.urls.http, `device=sensor-ifq&metric=level&from=${T}&to=${T + MIN - 1}&step=30s`);
    expect(one.json.series).toEqual([{ metric: 'level', points: [{ ts: T, min: 1, max: 3, avg: 2, count: 2 }] }]);
    const drone = await get(svc.urls.http, `device=drone-ifq&from=${T}&to=${T + MIN - 1}&step=1m`);
    expect(drone.json.series).toEqual([
      { metric: 'alt', points: [{ ts: T, min: 100, max: 120, avg: 110, count: 2 }] },
      { metric: 'battery', points: [{ ts: T, min: 70, max: 80, avg: 75, count: 2 }] },
    ]);
  });

  it('refills the device list from InfluxDB after a restart', async () => {
    await svc.stop();
    svc = await startTestService({ influx: influx() });
    const devices = await eventually(async () => {
      const list = (await api(svc.urls.http, '/api/devices')).json.devices as Array<{ id: string }>;
      return list.length >= 2 ? list : undefined;
    });
    expect(devices).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          id: 'sensor-ifq',
          kind: 'sensor',
          loc: { lat: 31.23, lon: 121.47 },
          lastSeen: new Date(T + MIN + 1000).toISOString(),
          online: false,
        }),
        expect.objectContaining({ id: 'drone-ifq', kind: 'drone', status: 'offline', online: false }),
      ]),
    );
  });
});
