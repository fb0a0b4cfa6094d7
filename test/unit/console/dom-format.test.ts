// The console's time and duration formatting (console/public/dom.js, a browser module that
// imports nothing), run in Node: a stored time no Date can hold prints —, never "Invalid Date".
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

type Dom = { clock: (ts: unknown) => string; stamp: (ts: unknown) => string; duration: (ms: unknown) => string; PLACEHOLDER: string };
// A computed specifier: the page's plain JavaScript has no types for the compiler to check.
const DOM_JS = fileURLToPath(new URL('../../../console/public/dom.js', import.meta.url));
const dom = (await import(DOM_JS)) as Dom;

describe('console formatting', () => {
  it.each([1e300, -1e300, Number.NaN, Number.POSITIVE_INFINITY, null, undefined, 8.64e15 + 1, '2026-12-04'])('prints — for %s', (v) => {
    expect(dom.clock(v)).toBe('—');
    expect(dom.stamp(v)).toBe('—');
  });

  it('formats a time as before, up to the last one a Date holds', () => {
    const ts = new Date(2026, 11, 4, 9, 5, 7).getTime(); // local time, as the page shows it
    expect(dom.clock(ts)).toBe('09:05:07');
    expect(dom.stamp(ts)).toBe('2026-12-04 09:05:07');
    expect(dom.stamp(8.64e15)).not.toMatch(/Invalid|NaN/);
  });

  it('formats durations, and — for one that is not a finite number', () => {
    expect(dom.duration(3_725_000)).toBe('1h02m');
    expect(dom.duration(-245_000)).toBe('4m05s');
    expect([Number.NaN, Number.POSITIVE_INFINITY, null, undefined].map((v) => dom.duration(v))).toEqual(['—', '—', '—', '—']);
    expect(dom.PLACEHOLDER).toBe('—');
  });
});
