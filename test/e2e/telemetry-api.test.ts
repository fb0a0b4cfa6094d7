// GET /api/telemetry against the running service on SQLite: known values published over MQTT
// come back bucketed with the right min, max, avg and count; bad parameters are refused naming them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MIN, knownSeries, wholeMinuteAgo } from '../fixtures/telemetry/series.js';
import { api, connectMqtt, publish, startTestService } from '../support/service.js';

// A whole minute half an hour ago, so the buckets are known in advance.
const T = wholeMinuteAgo(30);
const { published: PUBLISHED, expected1m: EXPECTED_1M, window: WINDOW } = knownSeries(T);

describe('GET /api/telemetry (SQLite)', () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  beforeAll(async () => {
    svc = await startTestService();
    const g = await connectMqtt(svc.urls.mqtt, { clientId: 'sensor-t1' });
    for (const p of PUBLISHED) await publish(g, 'city/sensor/sensor-t1/telemetry', p); // QoS 1: acked once stored
    // Another device in the same minute: not part of sensor-t1's series.
    const other = await connectMqtt(svc.urls.mqtt, { clientId: 'sensor-t2' });
    await publish(other, 'city/sensor/sensor-t2/telemetry', { ts: T + 1000, metrics: { level: 100 } });
    await Promise.all([g.endAsync(), other.endAsync()]);
  });
  afterAll(async () => svc?.stop());

  const get = (q: string) => api(svc.urls.http, `/api/telemetry?${q}`);

  it('buckets every metric of one device by step', async () => {
    const r = await get(`device=sensor-t1&from=${WINDOW.from}&to=${WINDOW.to}&step=1m`);
    expect(r.status).toBe(200);
    expect(r.json).toEqual({
      device: 'sensor-t1',
      from: new Date(T).toISOString(),
      to: new Date(WINDOW.to).toISOString(),
      step: MIN,
      series: EXPECTED_1M,
    });
  });

  it('takes one metric, ISO instants and a step in ms', async () => {
    const r = await get(
      `device=sensor-t1&metric=level&from=${new Date(T).toISOString()}&to=${new Date(T + MIN - 1).toISOString()}&step=30000`,
    );
    expect(r.status).toBe(200);
    expect(r.json.series).toEqual([{ metric: 'level', points: [{ ts: T, min: 1, max: 3, avg: 2, count: 2 }] }]);
  });

  it('defaults to the last hour with a step that keeps it within 500 points', async () => {
    const r = await get('device=sensor-t1');
    expect(r.status).toBe(200);
    expect(r.json.step).toBe(10_000);
    expect(Date.parse(r.json.to) - Date.parse(r.json.from)).toBe(3_600_000);
    const level = r.json.series.find((s: { metric: string }) => s.metric === 'level');
    expect(level.points.map((p: { count: number }) => p.count).reduce((a: number, b: number) => a + b, 0)).toBe(3);
  });

  it('answers an unknown device with empty series', async () => {
    const r = await get(`device=nobody-here&from=${WINDOW.from}&to=${WINDOW.to}`);
    expect(r.status).toBe(200);
    expect(r.json.series).toEqual([]);
  });

  it.each([
    ['', 'device'],
    ['device=sensor-t1&step=5w', 'step'],
    [`device=sensor-t1&from=${T + MIN}&to=${T}`, 'from'],
    [`device=sensor-t1&from=${T - 3_600_000}&to=${T}&step=1ms`, 'step'],
    ['device=sensor-t1&from=last-week', 'from'],
    ['device=sensor-t1&limit=10', 'limit'],
  ])('refuses ?%s with 400 naming %s', async (q, path) => {
    const r = await get(q);
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'bad_query', issues: [expect.objectContaining({ path })] });
  });
});
