// The total formatters' helpers, at their limits, and the Markdown text escaping.
import { describe, expect, it } from 'vitest';
import { mdBlock, mdCell, mdCode, mdInline } from '../../../alerts/markdown-text.js';
import { MAX_FORMATTABLE_MS, MIN_FORMATTABLE_MS, firstValidTime, safeIso, safeNumber, validTime } from '../../../alerts/safe-format.js';
import { capTime } from '../../../alerts/cap.js';

describe('safe time and number formatting', () => {
  it.each([
    { v: 0, iso: '1970-01-01T00:00:00.000Z' },
    { v: MIN_FORMATTABLE_MS, iso: '0001-01-01T00:00:00.000Z' },
    { v: MIN_FORMATTABLE_MS - 1, iso: '—' },
    { v: MAX_FORMATTABLE_MS, iso: '9999-12-31T23:59:59.999Z' },
    { v: MAX_FORMATTABLE_MS + 1, iso: '—' },
    { v: 1e300, iso: '—' },
    { v: Number.NaN, iso: '—' },
    { v: Number.NEGATIVE_INFINITY, iso: '—' },
    { v: null, iso: '—' }, // a NaN as JSON stored it
    { v: '2026-01-01', iso: '—' },
  ])('safeIso($v) → $iso', ({ v, iso }) => {
    expect(safeIso(v)).toBe(iso);
    expect(validTime(v) === undefined).toBe(iso === '—');
  });

  it('takes the first formattable time, a placeholder of choice, and formats finite numbers only', () => {
    expect(firstValidTime(1e300, null, 5, 6)).toBe(5);
    expect(firstValidTime(Number.NaN)).toBeUndefined();
    expect(safeIso(Number.NaN, 'n/a')).toBe('n/a');
    expect(safeNumber(1.25, (n) => n.toFixed(1))).toBe('1.3');
    expect([Number.NaN, Number.POSITIVE_INFINITY, null, undefined].map((v) => safeNumber(v))).toEqual(['—', '—', '—', '—']);
  });

  it('capTime: undefined where no CAP dateTime can carry the time, the offset counted in', () => {
    expect(capTime(MAX_FORMATTABLE_MS - 999)).toBe('9999-12-31T23:59:59+00:00');
    expect(capTime(MAX_FORMATTABLE_MS - 999, 60)).toBeUndefined(); // year 10000 in local time
    expect(capTime(1e300, 480)).toBeUndefined();
    expect(capTime(Number.NaN)).toBeUndefined();
    expect(capTime(undefined)).toBeUndefined();
  });
});

describe('Markdown text', () => {
  it('escapes HTML so a renderer shows it as text', () => {
    expect(mdInline('<script>alert(1)</script>')).toBe('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mdInline('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(mdInline('AT&T &lt;')).toBe('AT&amp;T &amp;lt;'); // an entity typed by a user stays as typed
  });

  it('keeps one line to one line, one cell to one cell, and a paragraph its lines but no heading', () => {
    expect(mdInline('a\n# not a heading\r\nb')).toBe('a # not a heading b');
    expect(mdCell('a | b\nc')).toBe('a \\| b c');
    expect(mdBlock('- pump failed\r\n- <b>drain</b>')).toBe('- pump failed\n- &lt;b&gt;drain&lt;/b&gt;');
    expect(mdInline(undefined)).toBe('');
    expect(mdBlock('## Actions (优化)\nfake\n===\nx\n---')).toBe('\\## Actions (优化)\nfake\n\\===\nx\n\\---');
  });

  it('writes ids as code only when nothing in them can end the code span', () => {
    expect(mdCode('INC-20261204-0001')).toBe('`INC-20261204-0001`');
    expect(mdCode('a`<b>')).toBe('a`&lt;b&gt;');
  });
});
