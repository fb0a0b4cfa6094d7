import { describe, expect, it } from 'vitest';
import { Duration, formatDuration, parseDuration, PositiveDuration } from '../../../rules/index.js';

describe('Duration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['1d', 86_400_000],
    ['1.5s', 1_500],
    ['0s', 0],
  ])('%s → %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
    expect(Duration.parse(text)).toBe(ms);
  });

  it.each(['', '5', '5 m', '5min', '-1s', 's', '1w', '1e3ms'])('refuses %j with a clear message', (text) => {
    const r = Duration.safeParse(text);
    expect(r.success).toBe(false);
    expect(r.error?.issues[0]?.message).toMatch(/expected a duration like "500ms", "30s"/);
  });

  it('refuses non-strings and, where positive is required, zero', () => {
    expect(Duration.safeParse(30).success).toBe(false);
    expect(PositiveDuration.safeParse('0s').success).toBe(false);
    expect(PositiveDuration.parse('1ms')).toBe(1);
  });

  it.each([
    [120_000, '2m'],
    [500, '500ms'],
    [1_500, '1.5s'],
    [3_600_000, '1h'],
    [86_400_000, '1d'],
  ])('formats %d as %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });
});
