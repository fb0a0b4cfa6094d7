// Pure decision tests: feed readings through `threshold.step`/`tick` by hand, no RxJS.
import { describe, expect, it } from 'vitest';
import { threshold, type ThresholdRule, type ThresholdState } from '../../../rules/threshold.js';
import { sensor, thresholdOf } from './helpers.js';

/** Run (time, value) pairs through step; return what was emitted as `phase:severity@ts`. */
function run(rule: ThresholdRule, steps: [number, number][]): { out: string[]; state: ThresholdState; wakeAt?: number } {
  let state = threshold.init(rule);
  let wakeAt: number | undefined;
  const out: string[] = [];
  for (const [now, value] of steps) {
    const r = threshold.step(rule, state, sensor('s1', { waterLevel: value }, { ts: now }), now);
    state = r.state;
    wakeAt = r.wakeAt;
    out.push(...r.emit.map((d) => `${d.phase}:${d.severity}@${d.ts}`));
  }
  return { out, state, wakeAt };
}

const above = thresholdOf({ select: { metric: 'waterLevel' }, above: 0.5, severity: 'orange' });
const hyst = thresholdOf({ select: { metric: 'waterLevel' }, above: 0.5, clear: { below: 0.4 }, severity: 'orange' });
const levels = thresholdOf({
  select: { metric: 'waterLevel' },
  levels: [
    { severity: 'yellow', above: 0.3 },
    { severity: 'red', above: 0.8 },
    { severity: 'orange', above: 0.5 },
  ],
});
const below = thresholdOf({ select: { metric: 'battery' }, below: 15, severity: 'yellow' });

describe('threshold.step', () => {
  it.each<[string, ThresholdRule, [number, number][], string[]]>([
    [
      'raises once above, clears when no longer above',
      above,
      [
        [0, 0.4],
        [1, 0.6],
        [2, 0.7],
        [3, 0.5],
        [4, 0.6],
      ],
      ['raise:orange@1', 'clear:orange@3', 'raise:orange@4'],
    ],
    ['is strict: equal to the bound is not above', above, [[0, 0.5]], []],
    [
      'hysteresis: stays raised between clear and above',
      hyst,
      [
        [0, 0.6],
        [1, 0.45],
        [2, 0.41],
        [3, 0.39],
        [4, 0.45],
      ],
      ['raise:orange@0', 'clear:orange@3'],
    ],
    [
      'levels: escalates upward only, clears at the raised severity',
      levels,
      [
        [0, 0.35],
        [1, 0.6],
        [2, 0.4],
        [3, 0.7],
        [4, 0.9],
        [5, 0.2],
      ],
      ['raise:yellow@0', 'raise:orange@1', 'raise:red@4', 'clear:red@5'],
    ],
    ['levels: jumps straight to the highest level met', levels, [[0, 0.85]], ['raise:red@0']],
  ])('%s', (_, rule, steps, expected) => {
    expect(run(rule, steps).out).toEqual(expected);
  });

  it('below: raises under the bound', () => {
    const r = threshold.step(below, threshold.init(below), sensor('d1', { battery: 12 }, { kind: 'drone' }), 0);
    expect(r.emit).toMatchObject([
      { phase: 'raise', severity: 'yellow', metric: 'battery', value: 12, message: 'Water high: battery 12 < 15 (d1)' },
    ]);
  });

  it('for: waits, asks to be woken when the duration ends, and raises on tick', () => {
    const rule = thresholdOf({ select: { metric: 'waterLevel' }, above: 0.5, severity: 'orange', for: '10s' });
    const first = run(rule, [
      [1_000, 0.6],
      [5_000, 0.7],
    ]);
    expect(first.out).toEqual([]);
    expect(first.wakeAt).toBe(11_000); // from when the condition started, not the last reading
    const t = threshold.tick(rule, first.state, 11_000);
    expect(t.emit).toMatchObject([{ phase: 'raise', severity: 'orange', ts: 11_000, value: 0.7 }]);
    expect(t.wakeAt).toBeUndefined();
  });

  it('for: a dip below the bound restarts the wait', () => {
    const rule = thresholdOf({ select: { metric: 'waterLevel' }, above: 0.5, severity: 'orange', for: '10s' });
    const r = run(rule, [
      [0, 0.6],
      [5_000, 0.4],
      [6_000, 0.6],
    ]);
    expect(r.wakeAt).toBe(16_000);
    expect(threshold.tick(rule, r.state, 10_000).emit).toEqual([]);
  });

  it('ignores readings without a finite value', () => {
    const s = threshold.init(above);
    expect(threshold.step(above, s, sensor('s1', { waterLevel: Number.NaN }), 0).emit).toEqual([]);
    expect(threshold.step(above, s, sensor('s1', { other: 1 }), 0).emit).toEqual([]);
  });

  it('writes messages in the language of the rule name', () => {
    const zh = thresholdOf({ name: '积水超限', select: { metric: 'waterLevel' }, above: 0.5, clear: { below: 0.25 }, severity: 'orange' });
    const raised = threshold.step(zh, threshold.init(zh), sensor('sensor-001', { waterLevel: 0.62 }), 0);
    expect(raised.emit[0]?.message).toBe('积水超限: waterLevel 0.62 > 0.5 (sensor-001)');
    const cleared = threshold.step(zh, raised.state, sensor('sensor-001', { waterLevel: 0.2 }), 1);
    expect(cleared.emit[0]?.message).toBe('积水超限 解除: waterLevel 0.2 < 0.25 (sensor-001)');
  });

  it('a quiet value leaves the state as it was, the same object (nothing to save again, nothing allocated)', () => {
    const quiet = run(hyst, [
      [0, 0.1],
      [1, 0.2],
    ]).state;
    const again = threshold.step(hyst, quiet, sensor('s1', { waterLevel: 0.3 }, { ts: 2 }), 2);
    expect(again.state).toBe(quiet);
    expect(threshold.step(hyst, quiet, sensor('s1', { waterLevel: 0.6 }, { ts: 3 }), 3).state).not.toBe(quiet);
  });
});
