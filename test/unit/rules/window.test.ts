// `window`: aggregates (pure) and the operator on marbles, including expiry on a timer.
import { describe, expect, it } from 'vitest';
import { aggregateOf, slidingWindow, type WindowState } from '../../../rules/window.js';
import { windowRule } from '../../../rules/operators/window-rule.js';
import { brief, sensor, testScheduler, windowOf } from './helpers.js';

const t = (v: number, id = 's1') => sensor(id, { temperature: v });

describe('window (pure)', () => {
  it.each([
    ['avg', [1, 2, 6], 3],
    ['min', [4, 2, 6], 2],
    ['max', [4, 2, 6], 6],
    ['sum', [4, 2, 6], 12],
    ['count', [4, 2, 6], 3],
    ['avg', [], undefined],
    ['sum', [], 0],
    ['count', [], 0],
  ] as const)('%s of %j is %s', (fn, values, expected) => {
    expect(aggregateOf(fn, values)).toBe(expected);
  });

  it('avg over the sliding window, minSamples, hysteresis', () => {
    const rule = windowOf({
      select: { metric: 'temperature' },
      window: '10s',
      aggregate: 'avg',
      minSamples: 2,
      above: 50,
      clear: { below: 40 },
      severity: 'orange',
    });
    let state: WindowState = slidingWindow.init(rule);
    const out: string[] = [];
    // t(s) value → window (t−10, t] → avg:
    //  0 70 → [70] (1 sample < minSamples: not judged) · 5 40 → [70,40] avg 55 > 50 → raise
    // 11 44 → [40,44] (70@0 left) avg 42: between 40 and 50 → stays · 16 30 → [44,30] avg 37 < 40 → clear
    for (const [s, v] of [
      [0, 70],
      [5, 40],
      [11, 44],
      [16, 30],
    ] as const) {
      const r = slidingWindow.step(rule, state, t(v), s * 1_000);
      state = r.state;
      out.push(...r.emit.map((d) => `${d.phase}@${s}:${d.value}`));
    }
    expect(out).toEqual(['raise@5:55', 'clear@16:37']);
  });

  it('asks to be woken when the oldest sample leaves the window', () => {
    const rule = windowOf({ select: { metric: 'temperature' }, window: '10s', aggregate: 'count', above: 1, severity: 'blue' });
    const r = slidingWindow.step(rule, slidingWindow.init(rule), t(1), 3_000);
    expect(r.wakeAt).toBe(13_000);
  });
});

describe('windowRule operator', () => {
  it('count: raises at the third sample within the window, clears on a timer when they age out', () => {
    const rule = windowOf({ select: { metric: 'temperature' }, window: '10ms', aggregate: 'count', above: 2, severity: 'yellow' });
    testScheduler().run(({ cold, expectObservable }) => {
      // samples at 0, 2, 4 → count 3 > 2 at 4 → raise. At 10 the sample from 0 leaves (window (t−10, t]) → count 2 → clear.
      const readings = cold('a-a-a', { a: t(1) });
      expectObservable(readings.pipe(windowRule(rule), brief)).toBe('----r-----c', { r: 'raise:yellow:s1', c: 'clear:yellow:s1' });
    });
  });

  it('max with `for` and levels: escalates when the higher level has held', () => {
    const rule = windowOf({
      select: { metric: 'temperature' },
      window: '1s',
      aggregate: 'max',
      for: '5ms',
      levels: [
        { severity: 'yellow', above: 50 },
        { severity: 'red', above: 80 },
      ],
    });
    testScheduler().run(({ cold, expectObservable }) => {
      // max 60 from 0 → yellow at 5; max 90 from 3 → red at 8.
      const readings = cold('a 2ms b', { a: t(60), b: t(90) });
      expectObservable(readings.pipe(windowRule(rule), brief)).toBe('5ms y 2ms r', { y: 'raise:yellow:s1', r: 'raise:red:s1' });
    });
  });
});
