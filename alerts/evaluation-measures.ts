// The measures of the evaluation model (alerts/evaluation-model.ts), each a fraction 0..1 over a
// set of cases, and the on-time rate split between the operator and the department, so that
// a department is not charged for a late acknowledgement or a late dispatch.
import type { Case } from './evaluation.js';
import { residentScore } from './evaluation-follow-up.js';
import type { Measure } from './evaluation-model.js';

/** One side of the on-time split: cases it was due for, cases met, met / due. */
export interface OnTimePart {
  due: number;
  met: number;
  rate: number | null;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
const real = (cases: readonly Case[]) => cases.filter((c) => c.incident.state !== 'false_alarm');
const has = (c: Case, type: string) => c.events.some((e) => e.type === type);

/** The `overdue` events of a case, each marked as missed before or after its first dispatch. */
function overdues(c: Case): Array<{ deadline?: string; beforeDispatch: boolean }> {
  const out: Array<{ deadline?: string; beforeDispatch: boolean }> = [];
  let dispatched = false;
  // In log order, not by timestamp: a dispatch and a deadline in the same millisecond keep their order.
  for (const e of c.events) {
    if (e.type === 'dispatched') dispatched = true;
    if (e.type === 'overdue')
      out.push({ deadline: typeof e.data?.deadline === 'string' ? e.data.deadline : undefined, beforeDispatch: !dispatched });
  }
  return out;
}

/**
 * The operator's part: due for every real case dispatched or found overdue before its dispatch;
 * met when nothing (the acknowledge deadline, or arrive and resolve running out while the case
 * still waited for a department) was missed before the first dispatch.
 */
export function operatorOnTime(cases: readonly Case[]): OnTimePart {
  let due = 0;
  let met = 0;
  for (const c of real(cases)) {
    const late = overdues(c).some((o) => o.beforeDispatch || o.deadline === 'acknowledge');
    if (!has(c, 'dispatched') && !late) continue;
    due++;
    if (!late && has(c, 'dispatched')) met++;
  }
  return { due, met, rate: ratio(met, due) };
}

/**
 * The department's part: due for every real case resolved at least once (as 按期处置率); met
 * when no arrive or resolve deadline was missed after the case was dispatched.
 */
export function departmentOnTime(cases: readonly Case[]): OnTimePart {
  const resolved = real(cases).filter((c) => has(c, 'resolved'));
  const met = resolved.filter((c) => !overdues(c).some((o) => !o.beforeDispatch && o.deadline !== 'acknowledge')).length;
  return { due: resolved.length, met, rate: ratio(met, resolved.length) };
}

/**
 * Time to resolve against the resolve deadline, per case resolved at least once and with
 * deadlines: min(1, (resolveBy − created) / (first resolve − created)). 1 within the deadline;
 * a case that took twice its time scores 0.5. The mean over those cases.
 */
export function resolveSpeed(cases: readonly Case[]): number | null {
  const speeds: number[] = [];
  for (const c of real(cases)) {
    const first = c.events.find((e) => e.type === 'resolved')?.ts;
    const by = c.incident.deadlines?.resolveBy;
    if (first === undefined || by === undefined) continue;
    const took = first - c.incident.createdAt;
    const allowed = by - c.incident.createdAt;
    speeds.push(took <= allowed || took <= 0 ? 1 : Math.max(0, allowed) / took);
  }
  return speeds.length ? speeds.reduce((a, b) => a + b, 0) / speeds.length : null;
}

/** The rates that evaluation.ts already computes for a group, as the measures read them. */
export interface GroupRates {
  closureRate: number | null;
  onTimeRate: number | null;
  reworkRate: number | null;
  falseAlarmRate: number | null;
}

/** Every measure over these cases, given their rates; null where there is nothing to measure. */
export function measuresOf(cases: readonly Case[], rates: GroupRates): Record<Measure, number | null> {
  const scores = cases.map(residentScore).filter((s): s is number => s !== undefined);
  const not = (r: number | null) => (r === null ? null : 1 - r);
  return {
    closure: rates.closureRate,
    onTime: rates.onTimeRate,
    onTimeOperator: operatorOnTime(cases).rate,
    onTimeDepartment: departmentOnTime(cases).rate,
    resolveSpeed: resolveSpeed(cases),
    noFalseAlarm: not(rates.falseAlarmRate),
    noRework: not(rates.reworkRate),
    satisfaction: scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length / 100 : null,
  };
}
