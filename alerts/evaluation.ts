// 综合评价 (DESIGN.md § Routing, deadlines and evaluation): pure figures over incidents and their
// timelines, grouped by department, district, grid, rule or source, optionally per month.
// Definitions (the README's "Alert management" section repeats them):
//   cases          = incidents − false alarms
//   结案率 closure  = cases now closed or reviewed / cases
//   按期处置率 on-time = cases resolved at least once with no `overdue` ever / cases resolved at least once
//   返工率 rework   = cases closed at least once that were reopened or rejected / cases closed at least once
//   transfers      = hand-overs (transfer events); per department, out of it and into it
//   false alarms   = false_alarm incidents / incidents
//   time to acknowledge / dispatch / resolve = first such event − createdAt; p50/p90 nearest-rank
//   satisfaction   = mean of the scores given with `close`, against the target (85)
import { validTime } from './safe-format.js';
//   followUp       = residents' scores through 回访 links (alerts/evaluation-follow-up.ts), against the same target
//   onTimeSplit    = 按期处置率 split between the operator and the department (alerts/evaluation-measures.ts)
//   composite      = scores 0–100 by indicator family (alerts/evaluation-model.ts, evaluation-composite.ts)
import { type Composite, scoreComposite } from './evaluation-composite.js';
import { type FollowUpFigures, followUpFigures } from './evaluation-follow-up.js';
import { type OnTimePart, departmentOnTime, operatorOnTime } from './evaluation-measures.js';
import { DEFAULT_MODEL, type EvaluationModel } from './evaluation-model.js';
import type { Incident, IncidentEvent, IncidentEventType } from '../model/incident.js';

export const GROUP_BY = ['department', 'district', 'grid', 'rule', 'source'] as const;
export type GroupBy = (typeof GROUP_BY)[number];
export const SATISFACTION_TARGET = 85;

export interface Case {
  incident: Incident;
  events: readonly IncidentEvent[];
}

export interface Percentiles {
  n: number;
  p50: number | null;
  p90: number | null;
}

export interface EvaluationRow {
  /** `YYYY-MM` with `period: 'month'`, else absent. */
  period?: string;
  /** The group's key, `all` for totals, `(none)` when the incident has no such key. */
  group: string;
  incidents: number;
  /** Incidents raised by people (社区吹哨), not rules. */
  manual: number;
  falseAlarms: number;
  cases: number;
  closed: number;
  resolvedOnce: number;
  onTime: number;
  closedOnce: number;
  reworked: number;
  /** Transfers away from the group (by department: the one that passed the case on). */
  transfersOut: number;
  /** Transfers into the group (by department: the one that took the case); else equal to transfersOut. */
  transfersIn: number;
  closureRate: number | null;
  onTimeRate: number | null;
  reworkRate: number | null;
  falseAlarmRate: number | null;
  timeToAcknowledgeMs: Percentiles;
  timeToDispatchMs: Percentiles;
  timeToResolveMs: Percentiles;
  satisfaction: { n: number; average: number | null; target: number; met: boolean | null };
  /** 回访: residents' scores through follow-up links, apart from `satisfaction` typed in at close. */
  followUp: FollowUpFigures;
  /** 按期处置率 split: the operator's deadlines (acknowledge, before dispatch) and the department's (arrive, resolve). */
  onTimeSplit: { operator: OnTimePart; department: OnTimePart };
  /** Scores 0–100 by indicator family (alerts/evaluation-composite.ts). */
  composite: Composite;
}

export interface EvaluationOptions {
  groupBy?: GroupBy;
  period?: 'month';
  target?: number;
  /** The indicator families (config `evaluation.families`); default DEFAULT_MODEL. */
  model?: EvaluationModel;
  /** Months are cut in this offset from UTC (480 for China Standard Time). */
  utcOffsetMinutes?: number;
}

/** Nearest-rank percentile of sorted values: the smallest value with ≥ p% of values ≤ it. */
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[rank - 1]!;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);

const keyOf: Record<GroupBy, (i: Incident) => string | undefined> = {
  department: (i) => i.department,
  district: (i) => i.district,
  grid: (i) => i.grid,
  rule: (i) => i.ruleId ?? (i.source === 'rule' ? undefined : `(manual:${i.source})`),
  source: (i) => i.source,
};

const firstTs = (events: readonly IncidentEvent[], type: IncidentEventType) => events.find((e) => e.type === type)?.ts;
const has = (events: readonly IncidentEvent[], type: IncidentEventType) => events.some((e) => e.type === type);

function spread(cases: readonly Case[], type: IncidentEventType): Percentiles {
  const values = cases
    .map((c) => {
      // A stored time no date can carry (1e300, or NaN read back as null) has no duration.
      const ts = validTime(firstTs(c.events, type));
      const created = validTime(c.incident.createdAt);
      return ts === undefined || created === undefined ? undefined : ts - created;
    })
    .filter((v): v is number => v !== undefined)
    .sort((a, b) => a - b);
  return { n: values.length, p50: percentile(values, 50), p90: percentile(values, 90) };
}

/** Counts and rates of a set of cases: 结案率, 按期处置率, 返工率, false alarms. */
export function ratesOf(cases: readonly Case[]) {
  const falseAlarms = cases.filter((c) => c.incident.state === 'false_alarm').length;
  const real = cases.filter((c) => c.incident.state !== 'false_alarm');
  const closed = real.filter((c) => c.incident.state === 'closed' || c.incident.state === 'reviewed').length;
  const resolvedOnce = real.filter((c) => has(c.events, 'resolved'));
  const onTime = resolvedOnce.filter((c) => !has(c.events, 'overdue')).length;
  const closedOnce = real.filter((c) => has(c.events, 'closed'));
  // 返工: sent back after a close (reopen) or by a failed verification (reject).
  const reworked = closedOnce.filter((c) => has(c.events, 'reopened') || has(c.events, 'rejected')).length;
  return {
    falseAlarms,
    cases: real.length,
    closed,
    resolvedOnce: resolvedOnce.length,
    onTime,
    closedOnce: closedOnce.length,
    reworked,
    closureRate: ratio(closed, real.length),
    onTimeRate: ratio(onTime, resolvedOnce.length),
    reworkRate: ratio(reworked, closedOnce.length),
    falseAlarmRate: ratio(falseAlarms, cases.length),
  };
}

/** The figures of one group of cases; `model` scores it by indicator family (the default model when absent). */
export function evaluateGroup(
  cases: readonly Case[],
  group: string,
  target = SATISFACTION_TARGET,
  period?: string,
  model: EvaluationModel = DEFAULT_MODEL,
  groupBy?: GroupBy,
): EvaluationRow {
  const rates = ratesOf(cases);
  const transfers = cases.reduce((n, c) => n + c.events.filter((e) => e.type === 'transferred').length, 0);
  const scores = cases.map((c) => c.incident.satisfaction).filter((s): s is number => s !== undefined);
  const average = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
  return {
    ...(period ? { period } : {}),
    group,
    incidents: cases.length,
    manual: cases.filter((c) => c.incident.source !== 'rule').length,
    ...rates,
    transfersOut: transfers,
    transfersIn: transfers,
    timeToAcknowledgeMs: spread(cases, 'acknowledged'),
    timeToDispatchMs: spread(cases, 'dispatched'),
    timeToResolveMs: spread(cases, 'resolved'),
    satisfaction: { n: scores.length, average, target, met: average === null ? null : average >= target },
    followUp: followUpFigures(cases, target),
    onTimeSplit: { operator: operatorOnTime(cases), department: departmentOnTime(cases) },
    // A department's row leaves out the operator's measures: they are the command centre's doing.
    composite: scoreComposite(cases, model, { ratesOf, withoutOperator: groupBy === 'department' }),
  };
}

/** `YYYY-MM` of a time in the given offset from UTC; `(unknown)` for a stored time no date can carry. */
export const monthOf = (ms: number, offsetMinutes = 0): string => {
  const local = validTime(ms + offsetMinutes * 60_000);
  return local === undefined ? '(unknown)' : new Date(local).toISOString().slice(0, 7);
};

/** Rows per (period, group), sorted, and the total over every case. */
export function evaluate(cases: readonly Case[], opts: EvaluationOptions = {}): { rows: EvaluationRow[]; total: EvaluationRow } {
  const target = opts.target ?? SATISFACTION_TARGET;
  const buckets = new Map<string, { period?: string; group: string; cases: Case[] }>();
  for (const c of cases) {
    const period = opts.period === 'month' ? monthOf(c.incident.createdAt, opts.utcOffsetMinutes) : undefined;
    const group = opts.groupBy ? (keyOf[opts.groupBy](c.incident) ?? '(none)') : 'all';
    const k = JSON.stringify([period ?? '', group]);
    const b = buckets.get(k) ?? { period, group, cases: [] };
    b.cases.push(c);
    buckets.set(k, b);
  }
  const transfers = opts.groupBy === 'department' ? transfersByDepartment(cases, opts) : undefined;
  // A department that passed every case on still gets its row: its transfers are its record.
  for (const [k, t] of transfers ?? []) if (!buckets.has(k)) buckets.set(k, { period: t.period, group: t.group, cases: [] });
  const rows = [...buckets.entries()]
    .sort(([, a], [, b]) => (a.period ?? '').localeCompare(b.period ?? '') || a.group.localeCompare(b.group))
    .map(([k, b]) => {
      const row = evaluateGroup(b.cases, b.group, target, b.period, opts.model, opts.groupBy);
      const t = transfers?.get(k);
      return transfers ? { ...row, transfersOut: t?.out ?? 0, transfersIn: t?.in ?? 0 } : row;
    });
  return { rows, total: evaluateGroup(cases, 'all', target, undefined, opts.model) };
}

/** Transfers out of and into each department, keyed as evaluate() keys its buckets. */
function transfersByDepartment(cases: readonly Case[], opts: EvaluationOptions) {
  const out = new Map<string, { period?: string; group: string; out: number; in: number }>();
  for (const c of cases) {
    const period = opts.period === 'month' ? monthOf(c.incident.createdAt, opts.utcOffsetMinutes) : undefined;
    for (const e of c.events) {
      if (e.type !== 'transferred') continue;
      for (const [dept, side] of [
        [e.data?.from, 'out'],
        [e.data?.to, 'in'],
      ] as const) {
        const group = typeof dept === 'string' ? dept : '(none)';
        const k = JSON.stringify([period ?? '', group]);
        const t = out.get(k) ?? { period, group, out: 0, in: 0 };
        t[side]++;
        out.set(k, t);
      }
    }
  }
  return out;
}
