import { describe, expect, it } from 'vitest';
import { downsampleReadings } from '../../../alerts/evidence-downsample.js';
import type { Reading } from '../../../model/reading.js';

const reading = (deviceId: string, ts: number, value: number): Reading => ({
  ts,
  receivedAt: ts,
  deviceId,
  kind: 'sensor',
  channel: 'telemetry',
  metrics: { waterLevel: value },
  events: [],
});

describe('downsampleReadings', () => {
  it('keeps everything, with no note, up to the limit', () => {
    const rs = [1, 2, 3].map((i) => reading('a', i, i));
    expect(downsampleReadings(rs, 3, new Set())).toEqual({ readings: rs });
  });

  it('thins to the limit, says so, and keeps the peak and the readings detections came from', () => {
    // 10,000 readings of two devices; one spike that a plain every-Nth sample would miss.
    const rs = Array.from({ length: 10_000 }, (_, i) => reading(i % 2 ? 'b' : 'a', i, i === 4321 ? 9 : 0.1 + (i % 7) / 100));
    const out = downsampleReadings(rs, 500, new Set(['a\u00004000']));
    expect(out.readings.length).toBeLessThanOrEqual(500);
    expect(out.readings.length).toBeGreaterThan(100);
    expect(out.note).toMatch(new RegExp(`^downsampled: ${out.readings.length} of 10000 readings kept`));
    expect(out.readings.find((r) => r.ts === 4321)?.metrics.waterLevel).toBe(9);
    expect(out.readings.some((r) => r.ts === 4000 && r.deviceId === 'a')).toBe(true);
    expect(new Set(out.readings.map((r) => r.deviceId))).toEqual(new Set(['a', 'b']));
    expect(out.readings.map((r) => r.ts)).toEqual([...out.readings.map((r) => r.ts)].sort((x, y) => x - y));
  });
});
