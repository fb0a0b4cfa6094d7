// The TelemetrySink and TelemetryReader contracts (store/types.ts, store/telemetry-series.ts)
// for every store that keeps telemetry: readings back by time, device and grid, nothing accepted
// lost on close, downsampled series and each device's latest reading.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CaseStore, TelemetryQuery, TelemetryReader, TelemetrySink } from '../../../../store/index.js';
import { T0, makeReading } from '../fixtures.js';
import type { StoreBackend } from './backend.js';

const MIN = 60_000;
type WithTelemetry = CaseStore & { telemetry: TelemetrySink; telemetryReader: TelemetryReader };

/** The telemetry tests, against `backend` (whose stores keep telemetry, on a clock at T0). */
export function telemetryContract<S extends CaseStore>(backend: StoreBackend<S>): void {
  describe(`${backend.name} telemetry`, () => {
    let store: WithTelemetry;
    beforeEach(async () => {
      store = (await backend.fresh()) as S & WithTelemetry;
    });
    afterEach(() => backend.release(store as CaseStore as S));
    afterAll(() => backend.dispose());
    const reopen = async (o = {}) => {
      store = (await backend.reopen(store as CaseStore as S, o)) as S & WithTelemetry;
    };
    const put = (deviceId: string, ts: number, metrics: Record<string, number>, extra = {}) =>
      store.telemetry.writeReadings([makeReading({ deviceId, ts, receivedAt: ts, metrics, ...extra })]);

    it('shows a just-written reading to a query (pending writes are flushed first)', async () => {
      await reopen({ telemetryFlushIntervalMs: 60_000 });
      store.telemetry.writeReadings([makeReading({ ts: T0 + 5 })]);
      expect(await store.telemetry.queryReadings({ from: T0, to: T0 + 10 })).toHaveLength(1);
    });

    it('answers query windows by time, device list and grid, oldest first', async () => {
      const rows = [
        makeReading({ ts: T0 + 30, deviceId: 'a', grid: 'g1' }),
        makeReading({ ts: T0 + 10, deviceId: 'b', grid: 'g1' }),
        makeReading({ ts: T0 + 20, deviceId: 'a', grid: 'g2' }),
        makeReading({ ts: T0 + 40, deviceId: 'c', grid: 'g2' }),
        makeReading({ ts: T0 + 50, deviceId: 'a', grid: 'g1' }),
      ];
      store.telemetry.writeReadings(rows);
      const q = async (query: TelemetryQuery) => (await store.telemetry.queryReadings(query)).map((r) => `${r.deviceId}@${r.ts - T0}`);
      expect(await q({ from: T0, to: T0 + 100 })).toEqual(['b@10', 'a@20', 'a@30', 'c@40', 'a@50']);
      expect(await q({ from: T0 + 20, to: T0 + 40 })).toEqual(['a@20', 'a@30', 'c@40']); // both ends inclusive
      expect(await q({ from: T0, to: T0 + 100, deviceIds: ['a', 'c'] })).toEqual(['a@20', 'a@30', 'c@40', 'a@50']);
      expect(await q({ from: T0, to: T0 + 100, grid: 'g2' })).toEqual(['a@20', 'c@40']);
      expect(await q({ from: T0, to: T0 + 100, grid: 'g1', deviceIds: ['a'] })).toEqual(['a@30', 'a@50']);
      expect(await q({ from: T0, to: T0 + 100, deviceIds: [] })).toHaveLength(5);
      expect(await q({ from: T0, to: T0 + 100, limit: 2 })).toEqual(['b@10', 'a@20']);
      expect(await q({ from: T0 + 60, to: T0 + 100 })).toEqual([]);
    });

    it('loses nothing on close: readings accepted in small calls are all there after reopen, as written', async () => {
      const readings = Array.from({ length: 3000 }, (_, n) => makeReading({ ts: T0 + n, deviceId: `s-${n % 7}`, metrics: { n } }));
      for (let n = 0; n < readings.length; n += 3) store.telemetry.writeReadings(readings.slice(n, n + 3));
      await reopen();
      const back = await store.telemetry.queryReadings({ from: T0, to: T0 + 3000, limit: 5000 });
      expect(back.map((r) => r.metrics.n)).toEqual(readings.map((r) => r.metrics.n));
      expect(back[42]).toEqual(readings[42]);
    });

    it('buckets one device by step: min, max, avg and count per metric, epoch-aligned, only inside [from, to]', async () => {
      // T0 is a whole minute. Bucket T0: 1, 3 (and gas 10); bucket T0+1m: 5; T0+2m: nothing; T0+3m: 2 at its very end.
      put('s-1', T0, { waterLevel: 1, gas: 10 });
      put('s-1', T0 + 30_000, { waterLevel: 3 });
      put('s-1', T0 + MIN + 1, { waterLevel: 5 });
      put('s-1', T0 + 4 * MIN - 1, { waterLevel: 2 });
      put('s-1', T0 - 1, { waterLevel: 100 }); // before from
      put('s-1', T0 + 4 * MIN, { waterLevel: 100 }); // after to
      put('s-2', T0, { waterLevel: 100 }); // another device
      put('s-1', T0 + 10, {}, { channel: 'status', status: 'online' }); // no metrics
      const series = await store.telemetryReader.series({ deviceId: 's-1', from: T0, to: T0 + 4 * MIN - 1, stepMs: MIN });
      expect(series).toEqual([
        { metric: 'gas', points: [{ ts: T0, min: 10, max: 10, avg: 10, count: 1 }] },
        {
          metric: 'waterLevel',
          points: [
            { ts: T0, min: 1, max: 3, avg: 2, count: 2 },
            { ts: T0 + MIN, min: 5, max: 5, avg: 5, count: 1 },
            { ts: T0 + 3 * MIN, min: 2, max: 2, avg: 2, count: 1 },
          ],
        },
      ]);
    });

    it('takes one metric when asked, and a window that starts mid-bucket keeps the bucket start', async () => {
      put('s-1', T0 + 20_000, { waterLevel: 4, gas: 1 });
      put('s-1', T0 + 50_000, { waterLevel: 6, gas: 1 });
      const series = await store.telemetryReader.series({
        deviceId: 's-1',
        metric: 'waterLevel',
        from: T0 + 10_000,
        to: T0 + MIN,
        stepMs: MIN,
      });
      expect(series).toEqual([{ metric: 'waterLevel', points: [{ ts: T0, min: 4, max: 6, avg: 5, count: 2 }] }]);
      expect(await store.telemetryReader.series({ deviceId: 'nobody', from: T0, to: T0 + MIN, stepMs: MIN })).toEqual([]);
    });

    it('finds the newest reading of each device, and the newest placed one when that is a status', async () => {
      put('a-1', T0, { x: 1 }, { grid: 'g-1' });
      put('a-1', T0 + 5000, { x: 2 }, { grid: 'g-2' });
      put('b-2', T0 + 1000, {}, { channel: 'status', status: 'offline', kind: 'camera', grid: undefined, loc: undefined });
      put('c-3', T0, { x: 1 }, { grid: 'g-3' });
      put('c-3', T0 + 1000, { x: 1 }, { grid: 'g-4' });
      put('c-3', T0 + 2000, {}, { channel: 'status', status: 'offline', grid: undefined, loc: undefined });
      const latest = await store.telemetryReader.latestPerDevice(10);
      expect(latest.map((r) => [r.deviceId, r.ts, r.grid, r.status])).toEqual([
        ['a-1', T0 + 5000, 'g-2', undefined],
        ['b-2', T0 + 1000, undefined, 'offline'],
        ['c-3', T0 + 1000, 'g-4', undefined],
        ['c-3', T0 + 2000, undefined, 'offline'],
      ]);
      expect(new Set((await store.telemetryReader.latestPerDevice(2)).map((r) => r.deviceId))).toEqual(new Set(['a-1', 'b-2']));
    });
  });
}
