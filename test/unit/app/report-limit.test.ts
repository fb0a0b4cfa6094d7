// The report rate of a reporter token, on an injected clock.
import { describe, expect, it } from 'vitest';
import { createReportLimit } from '../../../app/report-limit.js';

describe('createReportLimit', () => {
  it('lets a burst through, then refuses with Retry-After until a report has refilled', () => {
    const clock = { now: 0 };
    const limit = createReportLimit({ reportsPerMinute: 6, burst: 3, now: () => clock.now });
    expect([1, 2, 3].map(() => limit('hotline').ok)).toEqual([true, true, true]);
    expect(limit('hotline')).toEqual({ ok: false, retryAfterS: 10 });
    expect(limit('citizen-app').ok).toBe(true); // per token
    clock.now += 9_999;
    expect(limit('hotline').ok).toBe(false);
    clock.now += 1;
    expect(limit('hotline').ok).toBe(true);
    expect(limit('hotline').ok).toBe(false);
  });

  it('never refuses at rate 0 (unlimited)', () => {
    const limit = createReportLimit({ reportsPerMinute: 0, burst: 1, now: () => 0 });
    expect(Array.from({ length: 50 }, () => limit('hotline').ok).every(Boolean)).toBe(true);
  });
});
