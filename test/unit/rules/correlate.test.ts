// `correlate`: distinct sources in one grid within a window (pure), and the operator on marbles.
import { describe, expect, it } from 'vitest';
import { correlate, type CorrelateState } from '../../../rules/correlate.js';
import { correlateRule } from '../../../rules/operators/correlate-rule.js';
import { brief, camera, correlateOf, counterIds, sensor, testScheduler } from './helpers.js';

const fire = correlateOf({
  window: '10ms',
  conditions: [
    { select: { event: 'smoke' }, minConfidence: 0.7 },
    { select: { metric: 'temperature' }, above: 60 },
  ],
  levels: [{ severity: 'red', minSources: 2 }],
});
const smoke = (id: string, grid = 'G-1', c = 0.9) => camera(id, 'smoke', c, { grid });
const hot = (id: string, v: number, grid = 'G-1') => sensor(id, { temperature: v }, { grid });

describe('correlate (pure)', () => {
  it('needs every condition and N distinct sources; keys and dedups by grid', () => {
    let state: CorrelateState = correlate.init(fire);
    const seen: string[] = [];
    const feed = (r: ReturnType<typeof hot>, now: number) => {
      const out = correlate.step(fire, state, r, now);
      state = out.state;
      seen.push(...out.emit.map((d) => `${d.phase}:${d.severity}:${d.message}`));
    };
    feed(smoke('cam-1'), 0); // smoke only: one condition, one source
    feed(smoke('cam-2'), 1); // two sources, but temperature not covered
    feed(hot('t-1', 40), 2); // about temperature, but not hot
    feed(hot('t-1', 70), 3); // covered: smoke (cam-1, cam-2) + temperature (t-1) → red
    expect(seen).toEqual(['raise:red:Fire: smoke@cam-1 + smoke@cam-2 + temperature@t-1 within 10ms (grid G-1)']);
  });

  it('a source that no longer matches withdraws its evidence', () => {
    const a = correlate.step(fire, correlate.init(fire), smoke('cam-1'), 0);
    const b = correlate.step(fire, a.state, hot('t-1', 70), 1);
    const c = correlate.step(fire, b.state, hot('t-1', 30), 2);
    expect([...b.emit, ...c.emit].map((d) => d.phase)).toEqual(['raise', 'clear']);
  });

  it('refuses a condition without metric or event, and a metric condition without a bound', () => {
    expect(() => correlateOf({ window: '1m', severity: 'red', conditions: [{ select: { kind: 'sensor' } }] })).toThrow(
      /exactly one of metric or event/,
    );
    expect(() => correlateOf({ window: '1m', severity: 'red', conditions: [{ select: { metric: 'temperature' } }] })).toThrow(
      /above or below/,
    );
  });
});

describe('correlateRule operator', () => {
  it('raises red in one grid with a rule+grid dedup key, and clears when the evidence leaves the window', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      // smoke at 0, hot at 2 → raise at 2. The smoke hit leaves the window at 0+10 → clear at 10.
      const readings = cold('a-b', { a: smoke('cam-1'), b: hot('t-1', 70) });
      expectObservable(readings.pipe(correlateRule(fire), brief)).toBe('--r-------c', { r: 'raise:red:t-1', c: 'clear:red:t-1' });
    });
  });

  it('keeps grids apart; escalates as more sources join (levels by minSources)', () => {
    const crowd = correlateOf({
      window: '1s',
      match: 'any',
      conditions: [{ select: { event: 'smoke' } }],
      levels: [
        { severity: 'yellow', minSources: 2 },
        { severity: 'red', minSources: 3 },
      ],
    });
    testScheduler().run(({ cold, expectObservable }) => {
      // c2 is in G-2: G-1 has c1, c3 (2 sources → yellow), then c4 (3 → red). Completing drops the expiry timers.
      const readings = cold('abcd|', { a: smoke('c1'), b: smoke('c2', 'G-2'), c: smoke('c3'), d: smoke('c4') });
      expectObservable(readings.pipe(correlateRule(crowd, undefined, { newId: counterIds() }), brief)).toBe('--yr|', {
        y: 'raise:yellow:c3',
        r: 'raise:red:c4',
      });
    });
  });

  it('the dedup key is rule + grid', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const readings = cold('ab|', { a: smoke('cam-1', 'G-9'), b: hot('t-1', 70, 'G-9') });
      expectObservable(readings.pipe(correlateRule(fire))).toBe('-d|', {
        d: expect.objectContaining({ dedupKey: 'r1:G-9', grid: 'G-9', ruleKind: 'correlate' }),
      });
    });
  });
});
