// Kind `threshold`: a metric above and/or below a bound, held for `for`, with several
// levels (escalation) and hysteresis via `clear` (DESIGN.md § Rules). Pure: no RxJS.
import { z } from 'zod';
import type { Reading } from '../ingest/schemas.js';
import { SEVERITY_RANK, Severity } from './detection.js';
import { Duration } from './duration.js';
import { Envelope, unused } from './envelope.js';
import type { Decision, RuleLogic, StepResult } from './logic.js';
import { clearMessage, num, raiseMessage } from './messages.js';

const hasOneBound = (b: { above?: number; below?: number }) => (b.above === undefined) !== (b.below === undefined);
const Bound = { above: z.number().finite().optional(), below: z.number().finite().optional() };

export const ThresholdLevel = z
  .strictObject({ severity: Severity, ...Bound })
  .refine(hasOneBound, 'a level takes exactly one of above or below');
export const ThresholdClear = z.strictObject(Bound).refine(hasOneBound, 'clear takes exactly one of above or below');

export const ThresholdRule = Envelope.extend({
  kind: z.literal('threshold'),
  severity: Severity.optional(),
  levels: z.array(ThresholdLevel).min(1).optional(),
  ...Bound,
  clear: ThresholdClear.optional(),
  /** The condition must hold continuously this long before raising. */
  for: Duration.optional(),
  window: unused('window', 'threshold'),
}).superRefine((r, ctx) => {
  const hasBounds = r.above !== undefined || r.below !== undefined;
  if (r.severity && r.levels) ctx.addIssue({ code: 'custom', path: ['levels'], message: 'give either severity or levels, not both' });
  if (!r.severity && !r.levels) ctx.addIssue({ code: 'custom', path: ['severity'], message: 'severity or levels is required' });
  if (r.levels && hasBounds) ctx.addIssue({ code: 'custom', path: ['above'], message: 'with levels, put above/below inside each level' });
  if (r.severity && !r.levels && !hasBounds) ctx.addIssue({ code: 'custom', path: ['above'], message: 'a threshold rule needs above and/or below' });
  if (!r.select.metric) ctx.addIssue({ code: 'custom', path: ['select', 'metric'], message: 'threshold rules need select.metric' });
  r.levels?.forEach((l, i) => {
    if (r.levels!.findIndex((o) => o.severity === l.severity) !== i) {
      ctx.addIssue({ code: 'custom', path: ['levels', i, 'severity'], message: `severity ${l.severity} appears twice` });
    }
  });
});
export type ThresholdRule = z.infer<typeof ThresholdRule>;

interface Level { severity: Severity; above?: number; below?: number }

export interface ThresholdState {
  /** Per level (in `levelsOf` order): scheduler time its condition started to hold. */
  since: (number | undefined)[];
  /** Severity raised and not yet cleared; the highest reached since raising. */
  raised?: Severity;
  last?: { reading: Reading; value: number };
}

/** The rule's levels, highest severity first; a single-severity rule is one level. */
export function levelsOf(rule: ThresholdRule): Level[] {
  const levels: Level[] = rule.levels ?? [{ severity: rule.severity!, above: rule.above, below: rule.below }];
  return [...levels].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
}

const isMet = (l: Level, v: number) => (l.above !== undefined && v > l.above) || (l.below !== undefined && v < l.below);
const rankOf = (s: Severity | undefined) => (s ? SEVERITY_RANK[s] : 0);

function detail(metric: string, v: number, l: Level): string {
  return l.above !== undefined && v > l.above ? `${metric} ${num(v)} > ${num(l.above)}` : `${metric} ${num(v)} < ${num(l.below!)}`;
}

function isCleared(rule: ThresholdRule, v: number): boolean {
  const c = rule.clear;
  if (!c) return !levelsOf(rule).some((l) => isMet(l, v)); // DESIGN: no clear → clears when the raise condition stops
  return c.below !== undefined ? v < c.below : v > c.above!;
}

/** Raise (or escalate) to the highest level that has held for `for`; schedule the next one. */
function confirm(rule: ThresholdRule, state: ThresholdState, now: number, ts: number): StepResult<ThresholdState> {
  const forMs = rule.for ?? 0;
  const levels = levelsOf(rule);
  const emit: Decision[] = [];
  let next = state;
  const top = levels.findIndex((_, i) => state.since[i] !== undefined && now - state.since[i]! >= forMs);
  const last = state.last;
  if (top >= 0 && last && SEVERITY_RANK[levels[top]!.severity] > rankOf(state.raised)) {
    const level = levels[top]!;
    const metric = rule.select.metric!;
    next = { ...state, raised: level.severity };
    emit.push({
      phase: 'raise', severity: level.severity, ts, reading: last.reading, metric, value: last.value,
      message: raiseMessage(rule.name, detail(metric, last.value, level), last.reading.deviceId),
    });
  }
  // Only a level above the one raised can still change anything when its `for` elapses.
  const pending = levels
    .map((l, i) => (state.since[i] !== undefined && SEVERITY_RANK[l.severity] > rankOf(next.raised) ? state.since[i]! + forMs : undefined))
    .filter((t): t is number => t !== undefined && t > now);
  return { state: next, emit, wakeAt: pending.length ? Math.min(...pending) : undefined };
}

export const threshold: RuleLogic<ThresholdRule, ThresholdState> = {
  init: (rule) => ({ since: levelsOf(rule).map(() => undefined) }),

  /** One reading of the device: update per-level timers, clear, raise or escalate. */
  step(rule, state, reading, now) {
    const metric = rule.select.metric!;
    const value = reading.metrics[metric];
    if (typeof value !== 'number' || !Number.isFinite(value)) return confirm(rule, state, now, reading.ts);
    const last = { reading, value };
    if (state.raised && isCleared(rule, value)) {
      const c = rule.clear;
      const why = c ? `${metric} ${num(value)} ${c.below !== undefined ? '<' : '>'} ${num(c.below ?? c.above!)}` : `${metric} ${num(value)}`;
      return {
        state: { since: levelsOf(rule).map(() => undefined), last },
        emit: [{ phase: 'clear', severity: state.raised, ts: reading.ts, reading, metric, value, message: clearMessage(rule.name, why, reading.deviceId) }],
      };
    }
    const since = levelsOf(rule).map((l, i) => (isMet(l, value) ? (state.since[i] ?? now) : undefined));
    return confirm(rule, { ...state, since, last }, now, reading.ts);
  },

  /** `for` elapsed with no new reading: raise on the last value seen, at scheduler time. */
  tick: (rule, state, now) => confirm(rule, state, now, now),
};
