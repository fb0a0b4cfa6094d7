// A Reading as a readings row and back: the columns, and the rest as the body.
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../model/reading.js';
import { ROW_WIDTH, readingFromRow, readingValues } from '../../../store/telemetry-rows.js';
import { T0, makeReading } from './fixtures.js';

const row = (v: ReturnType<typeof readingValues>) => ({
  ts: v[0],
  device_id: v[1],
  kind: v[2],
  channel: v[3],
  district: v[4],
  grid: v[5],
  body: v[8],
});

describe('readings rows', () => {
  const cases: Array<[string, Reading]> = [
    ['a sensor with place and grid', makeReading({ ts: T0 })],
    ['no district, grid or place', { ...makeReading({ ts: T0 }), district: undefined, grid: undefined, loc: undefined }],
    [
      'a drone with altitude, status and mission',
      {
        ...makeReading({ ts: T0, deviceId: 'drone-7', kind: 'drone' }),
        loc: { lat: 31.2, lon: 121.4, alt: 88 },
        status: 'online',
        mission: 'm-1',
        events: [{ type: 'crowd', confidence: 0.9 }],
      } as Reading,
    ],
  ];

  it.each(cases)('reads back what was written: %s', (_, r) => {
    const v = readingValues(r);
    expect(v).toHaveLength(ROW_WIDTH);
    const back = readingFromRow(row(v));
    expect(back).toEqual(r);
    for (const k of ['district', 'grid', 'loc'] as const) expect(k in back, k).toBe(r[k] !== undefined);
  });

  it('keeps out of the body what the columns hold', () => {
    const body = JSON.parse(readingValues(makeReading({ ts: T0 }))[8]) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['events', 'loc', 'metrics', 'receivedAt']);
  });

  it('reads a row written with the whole Reading as its body (before the body was slimmed)', () => {
    const r = makeReading({ ts: T0 });
    const v = readingValues(r);
    expect(readingFromRow({ ...row(v), body: JSON.stringify(r) })).toEqual(r);
  });
});
