// The SQLite TelemetryReader on a real store file: buckets of known values, and each device's
// newest reading; and the pure merge of bucket rows (two InfluxDB measurements, one bucket).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { bucketStart, openSqliteStore, toSeries, type SqliteStore } from '../../../store/index.js';
import { T0, captureLogger, makeReading, tempDir } from './fixtures.js';

const MIN = 60_000;

describe('SQLite telemetry series', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  beforeEach(() => {
    tmp = tempDir();
    store = openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger, now: () => T0 });
  });
  afterEach(async () => {
    await store.close();
    tmp.remove();
  });

  const put = (deviceId: string, ts: number, metrics: Record<string, number>, extra = {}) =>
    store.telemetry.writeReadings([makeReading({ deviceId, ts, receivedAt: ts, metrics, ...extra })]);

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

describe('toSeries', () => {
  it('merges rows of one bucket (count-weighted mean), drops empty rows and sorts', () => {
    const rows = [
      { metric: 'b', ts: 2000, min: 1, max: 1, avg: 1, count: 1 },
      { metric: 'a', ts: 1000, min: 2, max: 4, avg: 3, count: 2 },
      { metric: 'a', ts: 1000, min: 0, max: 9, avg: 9, count: 1 },
      { metric: 'a', ts: 0, min: 0, max: 0, avg: 0, count: 0 },
    ];
    expect(toSeries(rows)).toEqual([
      { metric: 'a', points: [{ ts: 1000, min: 0, max: 9, avg: 5, count: 3 }] },
      { metric: 'b', points: [{ ts: 2000, min: 1, max: 1, avg: 1, count: 1 }] },
    ]);
  });

  it.each([
    [0, 1000, 0],
    [999, 1000, 0],
    [1000, 1000, 1000],
    [1_700_000_123_456, 60_000, 1_700_000_100_000],
  ])('bucketStart(%d, %d) = %d', (ts, step, start) => expect(bucketStart(ts, step)).toBe(start));
});
