// The query of GET /api/telemetry: defaults, instants in both forms, steps, and each refusal
// naming its parameter.
import { describe, expect, it } from 'vitest';
import { MAX_POINTS, bucketCount, defaultStep, parseTelemetryParams } from '../../../app/telemetry-params.js';

const NOW = Date.UTC(2026, 0, 10, 12, 0, 0);
const HOUR = 3_600_000;
const parse = (q: Record<string, string>) => parseTelemetryParams(new URLSearchParams(q), NOW);

describe('telemetry query parameters', () => {
  it('defaults to the last hour with a step that keeps it under 500 points', () => {
    expect(parse({ device: 's-1' })).toEqual({ ok: true, value: { deviceId: 's-1', from: NOW - HOUR, to: NOW, stepMs: 10_000 } });
  });

  it('takes ms epoch and ISO-8601 instants, a metric, and steps as ms or durations', () => {
    const from = '2026-01-10T10:00:00Z';
    expect(parse({ device: 's-1', metric: 'waterLevel', from, to: String(NOW), step: '5m' })).toEqual({
      ok: true,
      value: { deviceId: 's-1', metric: 'waterLevel', from: NOW - 2 * HOUR, to: NOW, stepMs: 300_000 },
    });
    expect(parse({ device: 's-1', step: '1500' })).toMatchObject({ ok: true, value: { stepMs: 1500 } });
    expect(parse({ device: 's-1', from: '2026-01-10T11:30:00+08:00', to: '2026-01-10T04:00:00.000Z' })).toMatchObject({
      ok: true,
      value: { from: NOW - 8.5 * HOUR, to: NOW - 8 * HOUR },
    });
  });

  it.each([
    [{}, 'device', /required/],
    [{ device: 'bad/id' }, 'device', /must match/],
    [{ device: 's-1', step: '5w' }, 'step', /unknown step/],
    [{ device: 's-1', step: '0' }, 'step', /at least 1/],
    [{ device: 's-1', step: '1ms' }, 'step', new RegExp(`more than ${MAX_POINTS}`)],
    [{ device: 's-1', from: 'yesterday' }, 'from', /expected ms since the epoch or an ISO-8601/],
    [{ device: 's-1', to: '2026-01-10T10:00:00' }, 'to', /ISO-8601/], // no offset: ambiguous
    [{ device: 's-1', from: String(NOW + 1) }, 'from', /after to/],
    [{ device: 's-1', from: '0' }, 'to', /longer than 31d/],
    [{ device: 's-1', metric: '' }, 'metric', /./],
    [{ device: 's-1', limit: '5' }, 'limit', /unknown parameter limit/],
  ])('%j → 400 naming %s', (q, path, message) => {
    const r = parse(q as Record<string, string>);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues).toEqual([expect.objectContaining({ path, message: expect.stringMatching(message) })]);
  });

  it('lets the browser token through', () => {
    expect(parse({ device: 's-1', token: 'x' }).ok).toBe(true);
  });

  it.each([
    [HOUR, 10_000],
    [60_000, 1000],
    [1000, 1000],
    [24 * HOUR, 300_000],
    [31 * 24 * HOUR, 2 * HOUR],
  ])('defaultStep(%d) = %d, within 500 points', (span, step) => {
    expect(defaultStep(span)).toBe(step);
    expect(bucketCount(NOW - span, NOW, step)).toBeLessThanOrEqual(501);
  });

  it('counts the epoch-aligned buckets a window touches', () => {
    expect(bucketCount(0, 59_999, 60_000)).toBe(1);
    expect(bucketCount(59_999, 60_000, 60_000)).toBe(2);
  });
});
