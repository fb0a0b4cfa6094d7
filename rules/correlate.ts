// Kind `correlate` (an area rule): at least N distinct sources (devices) in one grid cell
// matching sub-conditions within a sliding `window` — e.g. a camera seeing smoke and a
// temperature sensor above 60 °C → a red fire alert (DESIGN.md § Rules). State and dedup
// key are per grid. Levels escalate as more sources join; it clears when the evidence has
// left the window. Pure: no RxJS; the state is plain JSON.
import { z } from 'zod';
import type { Reading } from '../model/reading.js';
import { SEVERITY_RANK, Severity } from '../model/detection.js';
import { formatDuration, PositiveDuration } from '../model/duration.js';
import { Envelope, Select, unused } from './envelope.js';
import type { Decision, RuleLogic, StepResult } from './logic.js';
import { clearMessage, raiseMessage } from './messages.js';
import { compileSelect } from './select.js';

export const CorrelateCondition = z
  .strictObject({
    select: Select,
    above: z.number().finite().optional(),
    below: z.number().finite().optional(),
    /** For event conditions (inclusive, default 0.5). */
    minConfidence: z.number().min(0).max(1).default(0.5),
  })
  .superRefine((c, ctx) => {
    if (!c.select.metric === !c.select.event)
      ctx.addIssue({ code: 'custom', path: ['select'], message: 'a condition selects exactly one of metric or event' });
    if (c.select.metric && c.above === undefined && c.below === undefined)
      ctx.addIssue({ code: 'custom', path: ['above'], message: 'a metric condition needs above or below' });
    if (c.select.event && (c.above !== undefined || c.below !== undefined))
      ctx.addIssue({ code: 'custom', path: ['above'], message: 'above/below apply to metric conditions' });
  });
export type CorrelateCondition = z.infer<typeof CorrelateCondition>;

export const CorrelateLevel = z.strictObject({ severity: Severity, minSources: z.number().int().min(1) });

export const CorrelateRule = Envelope.extend({
  kind: z.literal('correlate'),
  severity: Severity.optional(),
  levels: z.array(CorrelateLevel).min(1).optional(),
  conditions: z.array(CorrelateCondition).min(1),
  /** `all`: every condition must be matched by some source; `any`: sources may match any one. */
  match: z.enum(['all', 'any']).default('all'),
  /** Distinct sources needed with `severity` (default: the number of conditions, at least 2). */
  minSources: z.number().int().min(1).optional(),
  window: PositiveDuration,
  for: unused('for', 'correlate'),
}).superRefine((r, ctx) => {
  if (!r.severity === !r.levels) ctx.addIssue({ code: 'custom', path: ['severity'], message: 'give exactly one of severity or levels' });
  if (r.levels && r.minSources !== undefined)
    ctx.addIssue({ code: 'custom', path: ['minSources'], message: 'with levels, put minSources inside each level' });
});
export type CorrelateRule = z.infer<typeof CorrelateRule>;

/** One source matching one condition, last seen at scheduler time `t`. */
interface Hit {
  deviceId: string;
  cond: number;
  t: number;
}

export interface CorrelateState {
  hits: Hit[];
  raised: Severity | null;
  last: Reading | null;
}

/** Levels highest first; a `severity` rule is one level. */
export function correlateLevels(rule: CorrelateRule): { severity: Severity; minSources: number }[] {
  const levels = rule.levels ?? [{ severity: rule.severity!, minSources: rule.minSources ?? Math.max(2, rule.conditions.length) }];
  return [...levels].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
}

/** Per condition: undefined (reading not about it), true (matches) or false (about it, but does not match). */
function judgeConditions(rule: CorrelateRule, reading: Reading): (boolean | undefined)[] {
  return rule.conditions.map((c) => {
    if (!compileSelect(c.select)(reading)) return undefined;
    if (c.select.event) return reading.events.some((e) => e.type === c.select.event && e.confidence >= c.minConfidence);
    const v = reading.metrics[c.select.metric!]!;
    return (c.above !== undefined && v > c.above) || (c.below !== undefined && v < c.below);
  });
}

const describe = (rule: CorrelateRule, hits: Hit[]) =>
  hits.map((h) => `${rule.conditions[h.cond]!.select.metric ?? rule.conditions[h.cond]!.select.event}@${h.deviceId}`).join(' + ');

/** Raise, escalate or clear on the hits still inside the window; wake when the oldest leaves. */
function judge(rule: CorrelateRule, state: CorrelateState, now: number, ts: number): StepResult<CorrelateState> {
  const hits = state.hits.filter((h) => h.t > now - rule.window);
  const sources = new Set(hits.map((h) => h.deviceId)).size;
  const covered = rule.match === 'any' || rule.conditions.every((_, i) => hits.some((h) => h.cond === i));
  const top = covered ? correlateLevels(rule).find((l) => sources >= l.minSources) : undefined;
  const emit: Decision[] = [];
  let raised = state.raised;
  const reading = state.last;
  const where = `grid ${reading?.grid}`;
  if (reading && top && SEVERITY_RANK[top.severity] > (raised ? SEVERITY_RANK[raised] : 0)) {
    raised = top.severity;
    emit.push({
      phase: 'raise',
      severity: top.severity,
      ts,
      reading,
      value: sources,
      message: raiseMessage(rule.name, `${describe(rule, hits)} within ${formatDuration(rule.window)}`, where),
    });
  } else if (reading && !top && raised) {
    emit.push({
      phase: 'clear',
      severity: raised,
      ts,
      reading,
      value: sources,
      message: clearMessage(rule.name, `${sources} source(s) left`, where),
    });
    raised = null;
  }
  const oldest = hits.reduce<number | undefined>((m, h) => (m === undefined || h.t < m ? h.t : m), undefined);
  return { state: { hits, raised, last: reading }, emit, ...(oldest !== undefined ? { wakeAt: oldest + rule.window } : {}) };
}

export const correlate: RuleLogic<CorrelateRule, CorrelateState> = {
  init: () => ({ hits: [], raised: null, last: null }),
  /** Readings with a grid that some condition is about (and the rule's own selector). */
  accepts: (rule) => {
    const sel = compileSelect(rule.select);
    const conds = rule.conditions.map((c) => compileSelect(c.select));
    return (r) => r.grid !== undefined && sel(r) && conds.some((c) => c(r));
  },
  keyOf: () => (r) => r.grid,

  /** A matching reading (re)sets its source's hit; a non-matching one withdraws it. */
  step(rule, state, reading, now) {
    const verdicts = judgeConditions(rule, reading);
    let hits = state.hits.filter((h) => !(h.deviceId === reading.deviceId && verdicts[h.cond] !== undefined));
    hits = [...hits, ...verdicts.flatMap((v, cond) => (v ? [{ deviceId: reading.deviceId, cond, t: now }] : []))];
    const last = verdicts.some(Boolean) || !state.last ? reading : state.last;
    return judge(rule, { ...state, hits, last }, now, reading.ts);
  },

  /** The oldest hit left the window: judge again (this is how it clears). */
  tick: (rule, state, now) => judge(rule, state, now, now),
};
