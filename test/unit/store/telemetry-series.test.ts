// The telemetry contract (contracts/telemetry.ts) on SQLite: readings back, buckets of known
// values, each device's newest reading; and the pure merge of bucket rows (two InfluxDB
// measurements, one bucket).
import { describe, expect, it } from 'vitest';
import { bucketStart, toSeries } from '../../../store/index.js';
import { telemetryContract } from './contracts/telemetry.js';
import { sqliteBackend } from './contracts/sqlite-backend.js';
import { T0 } from './fixtures.js';

telemetryContract(sqliteBackend({ now: () => T0 }));

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
