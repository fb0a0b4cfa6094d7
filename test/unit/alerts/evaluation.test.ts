// 综合评价 on a hand-computed fixture (test/fixtures/evaluation/cases.ts has the arithmetic).
import { describe, expect, it } from 'vitest';
import { evaluate, percentile } from '../../../alerts/evaluation.js';
import { CSV_COLUMNS, compositeColumns, csvCell, evaluationCsv } from '../../../alerts/evaluation-csv.js';
import { DEFAULT_MODEL } from '../../../alerts/evaluation-model.js';
import { FIXTURE_CASES } from '../../fixtures/evaluation/cases.js';

const MIN = 60_000;

describe('evaluation', () => {
  it('percentile is nearest-rank', () => {
    expect(percentile([], 50)).toBeNull();
    expect(percentile([7], 90)).toBe(7);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2);
    expect(percentile([1, 2, 3, 4], 90)).toBe(4);
  });

  it('totals match the figures computed by hand', () => {
    const { total } = evaluate(FIXTURE_CASES);
    expect(total).toMatchObject({
      group: 'all',
      incidents: 7,
      manual: 2,
      falseAlarms: 1,
      cases: 6,
      closed: 3,
      closureRate: 0.5,
      resolvedOnce: 4,
      onTime: 2,
      onTimeRate: 0.5,
      closedOnce: 3,
      reworked: 1,
      timeToAcknowledgeMs: { n: 5, p50: 6 * MIN, p90: 12 * MIN },
      timeToDispatchMs: { n: 5, p50: 15 * MIN, p90: 30 * MIN },
      timeToResolveMs: { n: 4, p50: 60 * MIN, p90: 200 * MIN },
      satisfaction: { n: 3, target: 85, met: true },
    });
    expect(total.reworkRate).toBeCloseTo(1 / 3, 10);
    expect(total.falseAlarmRate).toBeCloseTo(1 / 7, 10);
    expect(total.satisfaction.average).toBeCloseTo(260 / 3, 10);
  });

  it('groups by department', () => {
    const { rows } = evaluate(FIXTURE_CASES, { groupBy: 'department' });
    expect(rows.map((r) => r.group)).toEqual(['fire-rescue', 'water-affairs']);
    const [fire, water] = rows;
    expect(fire).toMatchObject({ incidents: 3, cases: 3, onTimeRate: 0.5, reworkRate: 0, falseAlarmRate: 0 });
    expect(fire!.closureRate).toBeCloseTo(1 / 3, 10);
    expect(fire!.timeToAcknowledgeMs).toEqual({ n: 2, p50: 2 * MIN, p90: 8 * MIN });
    expect(fire!.satisfaction).toEqual({ n: 1, average: 100, target: 85, met: true });
    expect(water).toMatchObject({ incidents: 4, cases: 3, onTimeRate: 0.5, reworkRate: 0.5, falseAlarmRate: 0.25 });
    expect(water!.closureRate).toBeCloseTo(2 / 3, 10);
    expect(water!.timeToAcknowledgeMs).toEqual({ n: 3, p50: 6 * MIN, p90: 12 * MIN });
    expect(water!.satisfaction).toEqual({ n: 2, average: 80, target: 85, met: false });
  });

  it('rolls up by month, and reports manual reports by source and rule', () => {
    const { rows } = evaluate(FIXTURE_CASES, { period: 'month' });
    expect(rows.map((r) => [r.period, r.group, r.incidents, r.cases, r.closureRate])).toEqual([
      ['2026-11', 'all', 4, 3, 1],
      ['2026-12', 'all', 3, 3, 0],
    ]);
    expect(rows[0]!.onTimeRate).toBeCloseTo(2 / 3, 10);
    expect(rows[1]).toMatchObject({ manual: 2, onTimeRate: 0, reworkRate: null, falseAlarmRate: 0 });
    const bySource = evaluate(FIXTURE_CASES, { groupBy: 'source' }).rows.map((r) => [r.group, r.incidents]);
    expect(bySource).toEqual([
      ['grid_worker', 1],
      ['hotline_12345', 1],
      ['rule', 5],
    ]);
    const byRule = evaluate(FIXTURE_CASES, { groupBy: 'rule', period: 'month' }).rows.map((r) => `${r.period} ${r.group} ${r.incidents}`);
    expect(byRule).toEqual([
      '2026-11 smoke 1',
      '2026-11 water-high 3',
      '2026-12 (manual:grid_worker) 1',
      '2026-12 (manual:hotline_12345) 1',
      '2026-12 smoke 1',
    ]);
  });

  it('renders CSV: a header, one line per row, the total last', () => {
    const { rows, total } = evaluate(FIXTURE_CASES, { groupBy: 'department' });
    const lines = evaluationCsv(rows, total).trimEnd().split('\r\n');
    // The fixed columns, then one per family and per indicator of the model.
    const header = [...CSV_COLUMNS, ...compositeColumns(DEFAULT_MODEL)];
    expect(lines[0]).toBe(header.join(','));
    expect(lines).toHaveLength(4);
    const cells = lines.map((l) => l.split(','));
    expect(cells.every((c) => c.length === header.length)).toBe(true);
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    expect(cells[2]![col('group')]).toBe('water-affairs');
    expect(cells[2]![col('closureRate')]).toBe('0.6667');
    expect(cells[2]![col('satisfactionAvg')]).toBe('80.00');
    expect(cells[2]![col('satisfactionMet')]).toBe('false');
    expect(cells[3]!.slice(0, 3)).toEqual(['total', 'all', '7']);
    expect(cells[3]![col('ackP90Ms')]).toBe(String(12 * MIN));
    expect(cells[1]![col('reworkRate')]).toBe('0.0000');
  });

  it('quotes and defuses CSV cells', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell(null)).toBe('');
  });
});
