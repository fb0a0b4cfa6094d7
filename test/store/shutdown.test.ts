// Telemetry is written by a worker thread in batches; stopping the service must
// still leave every accepted reading in the store. Real service, real MQTT clients, real SQLite.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningService } from '../../app/service.js';
import { TELEMETRY_DB_FILE_NAME } from '../../store/index.js';
import { api, connectMqtt, eventually, startTestService } from '../support/service.js';

const metric = async (svc: RunningService, name: string): Promise<number> => {
  const text = await (await fetch(`${svc.urls.http}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? 0 : Number(line.split(' ')[1]);
};

describe('telemetry on shutdown', () => {
  let svc: (RunningService & { dataDir: string }) | undefined;
  afterEach(async () => {
    await svc?.stop();
    svc = undefined;
  });

  it('stores every reading published before a stop, and a restart goes on from there', async () => {
    // A burst far above a device's rate limit: off here, this test is about the store.
    svc = await startTestService({ limits: { messagesPerSecond: 0 } });
    const dataDir = svc.dataDir;
    const devices = ['shut-1', 'shut-2', 'shut-3'];
    const clients = await Promise.all(devices.map((id) => connectMqtt(svc!.urls.mqtt, { clientId: id })));
    const N = 3000;
    for (let n = 0; n < N; n++) {
      const id = devices[n % devices.length]!;
      // QoS 0 as gateways send telemetry: nothing waits, so most rows are still buffered at the stop.
      clients[n % clients.length]!.publish(`city/sensor/${id}/telemetry`, JSON.stringify({ metrics: { n } }), { qos: 0 });
    }
    await eventually(async () => (await metric(svc!, 'citysense_readings_accepted_total')) === N, 20_000);
    await Promise.all(clients.map((c) => c.endAsync()));
    await svc.stop();
    svc = undefined;

    const db = new Database(join(dataDir, TELEMETRY_DB_FILE_NAME), { readonly: true });
    const stored = db.prepare("SELECT count(*) AS n, count(DISTINCT json_extract(body, '$.metrics.n')) AS distinct_n FROM readings").get();
    db.close();
    expect(stored).toEqual({ n: N, distinct_n: N });

    // The same data dir again: the readings are there for reviews, and new ones join them.
    svc = await startTestService({ dataDir, limits: { messagesPerSecond: 0 } });
    const c = await connectMqtt(svc.urls.mqtt, { clientId: 'shut-1' });
    await c.publishAsync('city/sensor/shut-1/telemetry', JSON.stringify({ metrics: { n: N } }), { qos: 1 });
    await c.endAsync();
    await eventually(async () => (await metric(svc!, 'citysense_readings_accepted_total')) === 1);
    const health = await api(svc.urls.http, '/api/health');
    expect(health.status).toBe(200);
    await svc.stop();
    svc = undefined;
    const again = new Database(join(dataDir, TELEMETRY_DB_FILE_NAME), { readonly: true });
    expect(again.prepare('SELECT count(*) AS n FROM readings').get()).toEqual({ n: N + 1 });
    again.close();
  });
});
