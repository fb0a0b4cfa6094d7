// `rate`: the pure decision (rateOf, step/tick by hand) and the operator on marbles.
import { describe, expect, it } from 'vitest';
import { rate, rateOf, type RateState } from '../../../rules/rate.js';
import { rateRule } from '../../../rules/operators/rate-rule.js';
import { brief, rateOf as rateRuleOf, sensor, testScheduler } from './helpers.js';

const rising = rateRuleOf({ select: { metric: 'waterLevel' }, window: '10s', per: '1s', above: 0.05, severity: 'orange' });
const w = (v: number, id = 's1') => sensor(id, { waterLevel: v });

describe('rate (pure)', () => {
  it('rateOf: newest minus oldest over elapsed time, per unit; undefined without two distinct times', () => {
    expect(
      rateOf(
        [
          [0, 0.1],
          [2_000, 0.3],
        ],
        1_000,
      ),
    ).toBeCloseTo(0.1); // 0.2 in 2 s = 0.1/s
    expect(
      rateOf(
        [
          [0, 0.1],
          [2_000, 0.3],
        ],
        60_000,
      ),
    ).toBeCloseTo(6); // per minute
    expect(
      rateOf(
        [
          [0, 0.5],
          [4_000, 0.1],
        ],
        1_000,
      ),
    ).toBeCloseTo(-0.1);
    expect(rateOf([[0, 0.1]], 1_000)).toBeUndefined();
    expect(
      rateOf(
        [
          [5, 0.1],
          [5, 0.9],
        ],
        1_000,
      ),
    ).toBeUndefined();
  });

  it('measures against the oldest sample still in the window, and clears when the rise stops', () => {
    let state: RateState = rate.init(rising);
    const out: string[] = [];
    // t(s): 0 → 0.10, 2 → 0.14 (0.02/s), 4 → 0.30 (0.2/4 = 0.05/s, not > 0.05), 6 → 0.46 (0.36/6 = 0.06/s → raise),
    // 16 → 0.46: window (10 s) keeps samples from t ≥ 6: (0.46 − 0.46)/10 = 0 → clear.
    for (const [t, v] of [
      [0, 0.1],
      [2, 0.14],
      [4, 0.3],
      [6, 0.46],
      [16, 0.46],
    ] as const) {
      const r = rate.step(rising, state, w(v), t * 1_000);
      state = r.state;
      out.push(...r.emit.map((d) => `${d.phase}@${t}:${d.value?.toFixed(2)}`));
    }
    expect(out).toEqual(['raise@6:0.06', 'clear@16:0.00']);
    expect(state.samples).toEqual([
      [6_000, 0.46],
      [16_000, 0.46],
    ]);
  });

  it('has a readable message naming the unit', () => {
    const r1 = rate.step(rising, rate.init(rising), w(0.1), 0);
    const r2 = rate.step(rising, r1.state, w(0.3), 1_000);
    expect(r2.emit[0]?.message).toBe('Rising: waterLevel Δ/1s 0.2 > 0.05 (s1)');
  });

  it('state survives a JSON round trip unchanged in behaviour', () => {
    const r1 = rate.step(rising, rate.init(rising), w(0.1), 0);
    const copy = JSON.parse(JSON.stringify(r1.state)) as RateState;
    expect(rate.step(rising, copy, w(0.3), 1_000).emit).toHaveLength(1);
  });
});

describe('rateRule operator', () => {
  it('with `for`, raises on a timer once the rate held, and escalates by level', () => {
    const rule = rateRuleOf({
      select: { metric: 'waterLevel' },
      window: '100ms',
      per: '10ms',
      for: '20ms',
      levels: [
        { severity: 'yellow', above: 0.01 },
        { severity: 'red', above: 0.1 },
      ],
    });
    testScheduler().run(({ cold, expectObservable }) => {
      // 0 → 0.0, 10 → 0.05 (0.05/10ms: yellow holds from 10), 20 → 0.3 (0.3/20ms·10 = 0.15: red from 20)
      // yellow `for` ends at 30, red at 40 — both on timers, no reading after 20.
      const readings = cold('a 9ms b 9ms c', { a: w(0), b: w(0.05), c: w(0.3) });
      expectObservable(readings.pipe(rateRule(rule), brief)).toBe('30ms y 9ms r', { y: 'raise:yellow:s1', r: 'raise:red:s1' });
    });
  });

  it('keeps devices apart', () => {
    testScheduler().run(({ cold, expectObservable }) => {
      const readings = cold('a-b-c-d', { a: w(0, 's1'), b: w(0, 's2'), c: w(0.00001, 's1'), d: w(1, 's2') });
      // marble frames are ms: s1 0.00001 in 4ms = 0.0025/s (quiet), s2 1 in 4ms = 250/s
      expectObservable(readings.pipe(rateRule(rising), brief)).toBe('------d', { d: 'raise:orange:s2' });
    });
  });
});
