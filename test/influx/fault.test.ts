// Nothing lost, nothing twice: influxd goes away for longer than the client's retry window while
// a gateway publishes, then comes back; every accepted reading ends up in InfluxDB exactly once.
// And shutdown: close() waits for every acknowledgement, or spools what is left for the next run.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../model/reading.js';
import { createInfluxSink, openSpool, type InfluxSink } from '../../store/index.js';
import { api, connectMqtt, eventually, publish, startTestService } from '../support/service.js';
import { influxdInstalled, startInfluxd, type Influxd } from '../../harness/influxd.js';

const installed = influxdInstalled();
if (!installed) console.warn('influxd is not installed (Debian package `influxdb`): InfluxDB fault tests skipped');

/** Every `seq` value stored for a device, ascending. */
async function storedSeqs(influxd: Influxd, device: string): Promise<number[]> {
  const answer = await influxd.query(`SELECT seq FROM telemetry WHERE device = '${device}'`);
  const values: unknown[][] = answer?.results?.[0]?.series?.[0]?.values ?? [];
  return values.map((v) => v[1] as number).sort((a, b) => a - b);
}
const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!installed)('InfluxDB outages and shutdown (real influxd)', () => {
  let influxd: Influxd;
  beforeAll(async () => {
    influxd = await startInfluxd('city');
  });
  afterAll(async () => {
    await influxd?.close();
  });

  it('keeps every accepted reading exactly once across an outage longer than the retry window', async () => {
    const svc = await startTestService({
      flows: { enabled: false },
      influx: {
        url: influxd.url,
        bucket: 'city',
        api: 'v1',
        batchSize: 20,
        flushInterval: '50ms',
        maxRetries: 2,
        minRetryDelay: '100ms',
        maxRetryDelay: '300ms',
        maxRetryTime: '1s', // the outage below lasts about twice as long
        maxBufferLines: 30, // 1½ batches: a second failing batch makes the client shed the first
        replayInterval: '200ms',
        timeout: '2s',
      },
    });
    const gw = await connectMqtt(svc.urls.mqtt, { clientId: 'fault-sensor-1' });
    const N = 300;
    const t0 = Date.now() - 120_000;
    try {
      let downAt = 0;
      for (let i = 0; i < N; i++) {
        if (i === 60) {
          await influxd.stop();
          downAt = Date.now();
        }
        if (i === 240) {
          await sleep(Math.max(0, downAt + 2000 - Date.now())); // down ≥ 2 s: twice maxRetryTime
          await influxd.start();
        }
        await publish(gw, 'city/sensor/fault-sensor-1/telemetry', { ts: t0 + i * 10, metrics: { seq: i } });
        await sleep(10);
      }
      const drained = await eventually(async () => {
        const h = (await api(svc.urls.http, '/api/health', { token: null })).json.influxdb;
        return h.queued === 0 && h.retrying === 0 && h.spoolDepth === 0 && h.accepted === N ? h : undefined;
      }, 20_000);
      // The outage really went past the client's retries: lines were spooled and replayed.
      expect(drained.spooled).toBeGreaterThan(0);
      expect(drained.replayed).toBe(drained.spooled);
      expect(drained.failedRequests).toBeGreaterThan(0);
      expect(drained).toMatchObject({ rejected: 0, lost: 0, state: 'ok', ok: true });
      const metrics = (await api(svc.urls.http, '/metrics', { token: null })).text;
      expect(metrics).toMatch(new RegExp(`^citysense_readings_accepted_total ${N}$`, 'm'));
      expect(await storedSeqs(influxd, 'fault-sensor-1')).toEqual(range(N));
    } finally {
      await gw.endAsync();
      await svc.stop();
    }
  }, 60_000);

  const logger = pino({ level: 'silent' });
  // A 60 s flush interval: nothing leaves before close() but full batches.
  const sink = (spoolFile: string): InfluxSink =>
    createInfluxSink(
      {
        url: influxd.url,
        bucket: 'city',
        api: 'v1',
        batchSize: 50,
        flushInterval: 60_000,
        maxRetries: 1,
        minRetryDelay: 50,
        maxRetryTime: 500,
        replayInterval: 100,
        timeout: 2000,
      },
      { spool: openSpool(spoolFile, { rowLines: 50 }), logger },
    );
  const newSpoolFile = () => join(mkdtempSync(join(tmpdir(), 'citysense-spool-')), 'citysense.db');
  const readings = (device: string, n: number, t0: number): Reading[] =>
    range(n).map((i) => ({
      ts: t0 + i,
      receivedAt: t0 + i,
      deviceId: device,
      kind: 'sensor',
      channel: 'telemetry',
      metrics: { seq: i },
      events: [],
    }));

  it('close() returns only after InfluxDB acknowledged every point', async () => {
    const s = sink(newSpoolFile());
    s.writeReadings(readings('close-ok', 520, Date.now() - 60_000)); // 10 full batches go now, 20 lines wait
    expect(s.stats().queued).toBe(520);
    await s.close();
    expect(s.stats()).toMatchObject({ accepted: 520, written: 520, queued: 0, spooled: 0, inFlight: 0, state: 'closed' });
    expect(await storedSeqs(influxd, 'close-ok')).toEqual(range(520));
  });

  it('flush() makes every accepted line durable: with InfluxDB down, what the client would retry is spooled at once', async () => {
    await influxd.stop();
    // Retries 10 s apart: without the spool, flush() would leave the lines in memory that long.
    const s = createInfluxSink(
      {
        url: influxd.url,
        bucket: 'city',
        api: 'v1',
        batchSize: 50,
        flushInterval: 60_000,
        maxRetries: 5,
        minRetryDelay: 10_000,
        maxRetryTime: 60_000,
        replayInterval: 100,
        timeout: 2000,
      },
      { spool: openSpool(newSpoolFile(), { rowLines: 50 }), logger },
    );
    s.writeReadings(readings('flush-down', 70, Date.now() - 60_000)); // one full batch on its way, 20 lines open
    await Promise.all([s.flush(), s.flush(), s.flush()]);
    expect(s.stats()).toMatchObject({ accepted: 70, spooled: 70, queued: 0, retrying: 0, written: 0 });
    await influxd.start();
    await eventually(async () => s.stats().spoolDepth === 0 || undefined, 20_000);
    await s.close();
    expect(s.stats()).toMatchObject({ written: 70, replayed: 70, spooled: 70, lost: 0 });
    expect(await storedSeqs(influxd, 'flush-down')).toEqual(range(70));
  });

  it('close() spools what an unreachable InfluxDB did not take, and the next run replays it', async () => {
    await influxd.stop();
    const spoolFile = newSpoolFile();
    const first = sink(spoolFile);
    first.writeReadings(readings('close-down', 120, Date.now() - 60_000));
    await first.close();
    expect(first.stats()).toMatchObject({ accepted: 120, written: 0, spooled: 120, queued: 0, lost: 0, reachable: false });

    await influxd.start();
    const second = sink(spoolFile);
    expect(second.stats().spoolDepth).toBe(120);
    await eventually(() => second.stats().spoolDepth === 0, 10_000);
    expect(second.stats()).toMatchObject({ replayed: 120, written: 120, accepted: 0 });
    await second.close();
    expect(await storedSeqs(influxd, 'close-down')).toEqual(range(120));
  });
});
