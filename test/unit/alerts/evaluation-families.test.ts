// 综合评价 by indicator family on a hand-computed fixture (test/fixtures/evaluation/families.ts
// has the arithmetic), the on-time split, and the model's validation.
import { describe, expect, it } from 'vitest';
import { evaluate } from '../../../alerts/evaluation.js';
import { weightedMean } from '../../../alerts/evaluation-composite.js';
import { departmentOnTime, operatorOnTime, resolveSpeed } from '../../../alerts/evaluation-measures.js';
import { DEFAULT_MODEL, EvaluationModel } from '../../../alerts/evaluation-model.js';
import { FAMILY_CASES } from '../../fixtures/evaluation/families.js';

const byId = (...ids: string[]) => FAMILY_CASES.filter((c) => ids.includes(c.incident.id));

describe('the on-time split and the speed measure', () => {
  it.each([
    ['all', byId('P', 'Q', 'R', 'S', 'T', 'U'), { due: 4, met: 2, rate: 0.5 }, { due: 4, met: 2, rate: 0.5 }],
    ['the operator late before dispatch only (T)', byId('T'), { due: 1, met: 0, rate: 0 }, { due: 1, met: 1, rate: 1 }],
    ['the department late after dispatch only (R)', byId('R'), { due: 1, met: 1, rate: 1 }, { due: 1, met: 0, rate: 0 }],
    ['both late (Q)', byId('Q'), { due: 1, met: 0, rate: 0 }, { due: 1, met: 0, rate: 0 }],
    ['nothing due (S false alarm, U waiting)', byId('S', 'U'), { due: 0, met: 0, rate: null }, { due: 0, met: 0, rate: null }],
  ])('%s', (_, cases, operator, department) => {
    expect(operatorOnTime(cases)).toEqual(operator);
    expect(departmentOnTime(cases)).toEqual(department);
  });

  it('keeps the undivided 按期处置率 beside the split', () => {
    const { total } = evaluate(FAMILY_CASES);
    expect(total.onTimeRate).toBe(0.25);
    expect(total.onTimeSplit).toEqual({ operator: { due: 4, met: 2, rate: 0.5 }, department: { due: 4, met: 2, rate: 0.5 } });
  });

  it('scores time to resolve against the resolve deadline', () => {
    expect(resolveSpeed(byId('P'))).toBe(1);
    expect(resolveSpeed(byId('Q'))).toBeCloseTo(60 / 90, 10);
    expect(resolveSpeed(FAMILY_CASES)).toBeCloseTo(11 / 12, 10);
    expect(resolveSpeed(byId('S', 'U'))).toBeNull();
  });
});

describe('scores by indicator family (default model)', () => {
  const { total } = evaluate(FAMILY_CASES);
  it.each([
    ['safe', 70],
    ['resilient', 0],
    ['healthy', null],
    ['clean', 0],
    ['tidy', null],
    ['orderly', 100],
    ['efficient', 62.5],
    ['precise', 75],
    ['satisfying', 260 / 3],
  ] as const)('indicator %s = %s', (id, want) => {
    if (want === null) expect(total.composite.indicators[id]).toBeNull();
    else expect(total.composite.indicators[id]).toBeCloseTo(want, 9);
  });
  it.each([
    ['safety', 35],
    ['order', 50],
    ['service', (62.5 + 75 + 260 / 3) / 3],
  ] as const)('family %s = %s', (id, want) => {
    expect(total.composite.families[id]).toBeCloseTo(want, 9);
  });
  it('overall, and how many cases each indicator scored', () => {
    expect(total.composite.score).toBeCloseTo((35 + 50 + (62.5 + 75 + 260 / 3) / 3) / 3, 9);
    expect(total.composite.cases).toEqual({
      safe: 2,
      resilient: 2,
      healthy: 0,
      clean: 1,
      tidy: 0,
      orderly: 1,
      efficient: 6,
      precise: 6,
      satisfying: 6,
    });
  });
});

describe('per department, district and month', () => {
  it.each([
    // A department's row leaves the operator's measure out of `efficient`.
    ['department', undefined, 'fire-rescue', 'efficient', ((0.4 * 0.5 + 0.3 * (5 / 6)) / 0.7) * 100],
    ['department', undefined, 'traffic-police', 'efficient', 100],
    ['department', undefined, 'traffic-police', 'orderly', 100],
    // A district's row keeps it: T's late dispatch counts there.
    ['district', undefined, 'd1', 'efficient', 100 * (0.4 * (2 / 3) + 0.3 * (1 / 3) + 0.3 * ((1 + 2 / 3 + 1) / 3))],
    ['district', 'month', 'd2', 'clean', 0],
  ] as const)('groupBy=%s period=%s: %s %s', (groupBy, period, group, indicator, want) => {
    const row = evaluate(FAMILY_CASES, { groupBy, period }).rows.find(
      (r) => r.group === group && (period ? r.period === '2026-12' : true),
    )!;
    expect(row.composite.indicators[indicator]).toBeCloseTo(want, 9);
  });

  it('scores a month with one waiting case on what can be measured', () => {
    const dec = evaluate(FAMILY_CASES, { groupBy: 'district', period: 'month' }).rows.find((r) => r.period === '2026-12')!;
    expect(dec.composite).toMatchObject({
      score: 50,
      families: { safety: null, order: 0, service: 100 },
      indicators: { efficient: null, precise: 100, satisfying: null },
    });
  });
});

describe('a configured model', () => {
  const model = EvaluationModel.parse({
    families: {
      x: { weight: 3, indicators: { a: { categories: ['fire'], measures: { closure: 1 } } } },
      y: { indicators: { b: { measures: { satisfaction: 1 } } } },
    },
  });
  it('weights families and indicators as configured', () => {
    const { total } = evaluate(FAMILY_CASES, { model });
    expect(total.composite.indicators).toEqual({ a: 100, b: expect.closeTo(260 / 3, 9) });
    expect(total.composite.score).toBeCloseTo((3 * 100 + 260 / 3) / 4, 9);
  });

  it.each([
    [{ families: {} }, 'families'],
    [{ families: { x: { indicators: {} } } }, 'families.x.indicators'],
    [{ families: { x: { indicators: { a: { measures: { speed: 1 } } } } } }, 'families.x.indicators.a.measures'],
    [{ families: { x: { indicators: { a: { weight: 0 } } } } }, 'families.x.indicators.a.weight'],
    [{ families: { X: { indicators: { a: {} } } } }, 'families.X'],
    [{ families: { x: { indicators: { a: {} } }, y: { indicators: { a: {} } } } }, 'families.y.indicators.a'],
  ])('refuses %j naming %s', (input, path) => {
    const r = EvaluationModel.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it('defaults to the nine indicators of the three families', () => {
    expect(Object.fromEntries(Object.entries(DEFAULT_MODEL.families).map(([f, v]) => [f, Object.keys(v.indicators)]))).toEqual({
      safety: ['safe', 'resilient', 'healthy'],
      order: ['clean', 'tidy', 'orderly'],
      service: ['efficient', 'precise', 'satisfying'],
    });
  });

  it('weightedMean drops what has no value, with its weight', () => {
    expect(
      weightedMean([
        [null, 5],
        [80, 1],
        [40, 3],
      ]),
    ).toBe(50);
    expect(weightedMean([[null, 1]])).toBeNull();
  });
});
