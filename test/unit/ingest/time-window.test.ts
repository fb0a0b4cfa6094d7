// The window of device clocks, at and around its limits, and the pipeline step that applies it.
import { describe, expect, it } from 'vitest';
import { createGridLocator } from '../../../ingest/grid.js';
import { INGEST_STEPS, runPipeline, type PipelineDeps } from '../../../ingest/pipeline.js';
import type { Reading } from '../../../model/reading.js';
import { DEFAULT_MAX_FUTURE_MS, EARLIEST_DEVICE_TS, timestampProblem } from '../../../ingest/time-window.js';

const NOW = Date.UTC(2026, 11, 4, 10, 0, 0);
const DAY = 86_400_000;

const cases: Array<{ name: string; ts: number; maxFutureMs?: number; ok: boolean }> = [
  { name: '2000-01-01T00:00:00Z exactly', ts: Date.UTC(2000, 0, 1), ok: true },
  { name: '1 ms before 2000', ts: Date.UTC(2000, 0, 1) - 1, ok: false },
  { name: '1970 (a clock that was never set)', ts: 0, ok: false },
  { name: 'now', ts: NOW, ok: true },
  { name: 'exactly 24 h ahead', ts: NOW + DAY, ok: true },
  { name: '24 h and 1 ms ahead', ts: NOW + DAY + 1, ok: false },
  { name: '1e300', ts: 1e300, ok: false },
  { name: 'NaN', ts: Number.NaN, ok: false },
  { name: 'Infinity', ts: Number.POSITIVE_INFINITY, ok: false },
  { name: '1 h ahead with a 1 h limit', ts: NOW + 3_600_000, maxFutureMs: 3_600_000, ok: true },
  { name: '1 h 1 ms ahead with a 1 h limit', ts: NOW + 3_600_001, maxFutureMs: 3_600_000, ok: false },
];

describe('device timestamp window', () => {
  it('starts at 2000-01-01 and allows 24 h ahead by default', () => {
    expect(new Date(EARLIEST_DEVICE_TS).toISOString()).toBe('2000-01-01T00:00:00.000Z');
    expect(DEFAULT_MAX_FUTURE_MS).toBe(DAY);
  });

  it.each(cases)('$name → inside: $ok', ({ ts, maxFutureMs, ok }) => {
    const problem = timestampProblem(ts, NOW, maxFutureMs);
    if (ok) expect(problem).toBeUndefined();
    else expect(problem).toMatch(/^ts must be between 2000-01-01T00:00:00Z and \d+ h after the broker received the message \(\d{4}-/);
  });

  it('names the limit it was given', () => {
    expect(timestampProblem(NOW + 3 * DAY, NOW, 2 * DAY)).toContain('48 h after');
    expect(timestampProblem(NOW + 3 * DAY, NOW, 90 * 60_000)).toContain('1.5 h after');
  });
});

describe('ingest pipeline: the timestamps step', () => {
  const run = (topic: string, payload: unknown, maxFutureMs?: number) => {
    const emitted: Reading[] = [];
    const deps: PipelineDeps = { device: () => undefined, grid: createGridLocator(), emit: (r) => emitted.push(r), maxFutureMs };
    const id = topic.split('/')[2]!;
    const out = runPipeline(
      INGEST_STEPS,
      { topic, payload: Buffer.from(JSON.stringify(payload)), clientId: id, identity: { id }, receivedAt: NOW },
      deps,
    );
    return { out, emitted };
  };

  it.each([
    ['camera, ts 1e300', 'city/camera/cam1/event', { type: 'fire', confidence: 0.9, ts: 1e300 }],
    ['sensor, far past', 'city/sensor/s1/telemetry', { ts: 946_684_799_999, metrics: { a: 1 } }],
    ['sensor, ISO a year ahead', 'city/sensor/s1/telemetry', { ts: '2027-12-04T10:00:00Z', metrics: { a: 1 } }],
    ['drone, 2 days ahead', 'city/drone/d1/telemetry', { ts: NOW + 2 * DAY, loc: { lat: 31, lon: 121, alt: 50 }, battery: 80 }],
  ])('refuses %s as invalid_payload at ts, and emits nothing', (_name, topic, payload) => {
    const { out, emitted } = run(topic, payload);
    expect(out).toMatchObject({
      ok: false,
      step: 'timestamps',
      refusal: { reason: 'invalid_payload', issues: [{ path: 'ts', message: expect.stringContaining('2000-01-01') }] },
    });
    expect(emitted).toEqual([]);
  });

  it('passes a ts inside the window, a missing ts and a status, and applies a configured limit', () => {
    expect(run('city/sensor/s1/telemetry', { ts: NOW + DAY, metrics: { a: 1 } }).emitted.map((r) => r.ts)).toEqual([NOW + DAY]);
    expect(run('city/sensor/s1/telemetry', { metrics: { a: 1 } }).emitted.map((r) => r.ts)).toEqual([NOW]);
    expect(run('city/sensor/s1/status', 'online').out.ok).toBe(true);
    expect(run('city/sensor/s1/telemetry', { ts: NOW + 60_001, metrics: { a: 1 } }, 60_000).out).toMatchObject({
      ok: false,
      step: 'timestamps',
    });
  });

  it('names ts for an ISO string that is no date', () => {
    const { out } = run('city/sensor/s1/telemetry', { ts: '2026-02-30T00:00:00Z', metrics: { a: 1 } });
    expect(out).toMatchObject({
      ok: false,
      step: 'parse',
      refusal: { reason: 'invalid_payload', issues: [{ path: 'ts', message: expect.stringContaining('ISO-8601') }] },
    });
  });
});
