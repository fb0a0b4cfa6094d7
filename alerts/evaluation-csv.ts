// 综合评价 as CSV for spreadsheets: one line per row, rates as fractions with 4 decimals,
// durations in ms, empty cells for figures with no data.
import type { EvaluationRow } from './evaluation.js';
import { finiteOrUndefined } from './safe-format.js';
import { DEFAULT_MODEL, type EvaluationModel } from './evaluation-model.js';

export const CSV_COLUMNS = [
  'period',
  'group',
  'incidents',
  'manual',
  'falseAlarms',
  'cases',
  'closed',
  'closureRate',
  'resolvedOnce',
  'onTime',
  'onTimeRate',
  'closedOnce',
  'reworked',
  'reworkRate',
  'falseAlarmRate',
  'ackP50Ms',
  'ackP90Ms',
  'dispatchP50Ms',
  'dispatchP90Ms',
  'resolveP50Ms',
  'resolveP90Ms',
  'satisfactionN',
  'satisfactionAvg',
  'satisfactionTarget',
  'satisfactionMet',
  'transfersOut',
  'transfersIn',
  'followUpLinks',
  'followUpN',
  'followUpAvg',
  'followUpResponseRate',
  'followUpTarget',
  'followUpMet',
  'operatorDue',
  'operatorOnTime',
  'operatorOnTimeRate',
  'departmentDue',
  'departmentOnTime',
  'departmentOnTimeRate',
  'compositeScore',
] as const;

/** The model's columns after CSV_COLUMNS: `family.{id}` for each family, then `indicator.{id}` for each indicator. */
export const compositeColumns = (model: EvaluationModel): string[] => [
  ...Object.keys(model.families).map((f) => `family.${f}`),
  ...Object.values(model.families).flatMap((f) => Object.keys(f.indicators).map((i) => `indicator.${i}`)),
];

/** A CSV cell: quoted when needed, defused against spreadsheet formulas (=, +, -, @); NaN and ±Infinity empty. */
export function csvCell(v: string | number | boolean | null | undefined): string {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') return finiteOrUndefined(v) === undefined ? '' : String(v);
  if (typeof v !== 'string') return String(v);
  const safe = /^[=+\-@]/.test(v) ? `'${v}` : v;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

const fixed = (v: number | null, digits: number) => finiteOrUndefined(v)?.toFixed(digits) ?? null;
const rate = (r: number | null) => fixed(r, 4);
const score = (s: number | null | undefined) => fixed(s ?? null, 2);

/** The rows (then the total) as RFC 4180 CSV with a header line; scores 0–100 with 2 decimals. */
export function evaluationCsv(rows: readonly EvaluationRow[], total: EvaluationRow, model: EvaluationModel = DEFAULT_MODEL): string {
  const families = Object.keys(model.families);
  const indicators = Object.values(model.families).flatMap((f) => Object.keys(f.indicators));
  const line = (r: EvaluationRow) =>
    [
      r.period ?? '',
      r.group,
      r.incidents,
      r.manual,
      r.falseAlarms,
      r.cases,
      r.closed,
      rate(r.closureRate),
      r.resolvedOnce,
      r.onTime,
      rate(r.onTimeRate),
      r.closedOnce,
      r.reworked,
      rate(r.reworkRate),
      rate(r.falseAlarmRate),
      r.timeToAcknowledgeMs.p50,
      r.timeToAcknowledgeMs.p90,
      r.timeToDispatchMs.p50,
      r.timeToDispatchMs.p90,
      r.timeToResolveMs.p50,
      r.timeToResolveMs.p90,
      r.satisfaction.n,
      fixed(r.satisfaction.average, 2),
      r.satisfaction.target,
      r.satisfaction.met,
      r.transfersOut,
      r.transfersIn,
      r.followUp.links,
      r.followUp.n,
      fixed(r.followUp.average, 2),
      rate(r.followUp.responseRate),
      r.followUp.target,
      r.followUp.met,
      r.onTimeSplit.operator.due,
      r.onTimeSplit.operator.met,
      rate(r.onTimeSplit.operator.rate),
      r.onTimeSplit.department.due,
      r.onTimeSplit.department.met,
      rate(r.onTimeSplit.department.rate),
      score(r.composite.score),
      ...families.map((f) => score(r.composite.families[f])),
      ...indicators.map((i) => score(r.composite.indicators[i])),
    ]
      .map(csvCell)
      .join(',');
  return (
    [[...CSV_COLUMNS, ...compositeColumns(model)].join(','), ...rows.map(line), line({ ...total, period: 'total' })].join('\r\n') + '\r\n'
  );
}
