// The level machinery shared by every kind that compares a number with bounds (threshold,
// rate, window): several severities, `for` (must hold that long), escalation upward only,
// and `clear` hysteresis (DESIGN.md § Rules). Pure; state is plain JSON (null, not undefined,
// so it survives the rule-state store's round trip unchanged).
import { z } from 'zod';
import type { Reading } from '../model/reading.js';
import { SEVERITY_RANK, Severity } from '../model/detection.js';
import { Duration } from '../model/duration.js';
import type { Decision, StepResult } from './logic.js';
import { clearMessage, num, raiseMessage } from './messages.js';

const hasOneBound = (b: { above?: number; below?: number }) => (b.above === undefined) !== (b.below === undefined);
export const Bound = { above: z.number().finite().optional(), below: z.number().finite().optional() };

export const Level = z.strictObject({ severity: Severity, ...Bound }).refine(hasOneBound, 'a level takes exactly one of above or below');
export type Level = z.infer<typeof Level>;
export const Clear = z.strictObject(Bound).refine(hasOneBound, 'clear takes exactly one of above or below');

/** Fields of a levelled rule: `severity` + `above`/`below`, or `levels`; `clear`; `for`. */
export const levelFields = {
  severity: Severity.optional(),
  levels: z.array(Level).min(1).optional(),
  ...Bound,
  clear: Clear.optional(),
  /** The condition must hold continuously this long before raising. */
  for: Duration.optional(),
};

interface LevelledInput {
  severity?: Severity | undefined;
  levels?: Level[] | undefined;
  above?: number | undefined;
  below?: number | undefined;
}

/** The cross-field checks of `levelFields`; each issue names its path. */
export function refineLevels(r: LevelledInput, ctx: z.RefinementCtx, kind: string): void {
  const hasBounds = r.above !== undefined || r.below !== undefined;
  if (r.severity && r.levels) ctx.addIssue({ code: 'custom', path: ['levels'], message: 'give either severity or levels, not both' });
  if (!r.severity && !r.levels) ctx.addIssue({ code: 'custom', path: ['severity'], message: 'severity or levels is required' });
  if (r.levels && hasBounds) ctx.addIssue({ code: 'custom', path: ['above'], message: 'with levels, put above/below inside each level' });
  if (r.severity && !r.levels && !hasBounds)
    ctx.addIssue({ code: 'custom', path: ['above'], message: `a ${kind} rule needs above and/or below` });
  r.levels?.forEach((l, i) => {
    if (r.levels!.findIndex((o) => o.severity === l.severity) !== i) {
      ctx.addIssue({ code: 'custom', path: ['levels', i, 'severity'], message: `severity ${l.severity} appears twice` });
    }
  });
}

// Kinds build their LevelSpec for every reading; a rule's levels are sorted once (rules are
// immutable values: a changed rule is a new object).
const sortedLevels = new WeakMap<LevelledInput, Level[]>();

/** The rule's levels, highest severity first; a single-severity rule is one level. Do not modify the result. */
export function levelsOf(rule: LevelledInput): Level[] {
  const known = sortedLevels.get(rule);
  if (known !== undefined) return known;
  const levels: Level[] = rule.levels ?? [{ severity: rule.severity!, above: rule.above, below: rule.below }];
  const sorted = [...levels].sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity]);
  sortedLevels.set(rule, sorted);
  return sorted;
}

export interface LevelState {
  /** Per level (highest first): scheduler time its condition started to hold. */
  since: (number | null)[];
  /** Severity raised and not yet cleared; the highest reached since raising. */
  raised: Severity | null;
  last: { reading: Reading; value: number } | null;
}

/** What the level core needs to know about a rule. */
export interface LevelSpec {
  name: string;
  /** Highest first (from `levelsOf`). */
  levels: Level[];
  clear?: { above?: number | undefined; below?: number | undefined } | undefined;
  forMs: number;
  /** What the value is, in messages: `waterLevel`, `avg(temperature, 5m)`. */
  label: string;
  /** Detection.metric. */
  metric: string;
  /**
   * The kind reads `last` when nothing is pending (window: its tick judges the window again on
   * the last reading). Otherwise a quiet value leaves the state as it was, the same object, so
   * the slot is not saved again (app/rules-runtime.ts) and nothing is allocated.
   */
  lastWhenQuiet?: boolean;
}

export const initLevels = (spec: LevelSpec): LevelState => ({ since: spec.levels.map(() => null), raised: null, last: null });

const isMet = (l: Level, v: number) => (l.above !== undefined && v > l.above) || (l.below !== undefined && v < l.below);
const rankOf = (s: Severity | null) => (s ? SEVERITY_RANK[s] : 0);

function detail(label: string, v: number, l: Level): string {
  return l.above !== undefined && v > l.above ? `${label} ${num(v)} > ${num(l.above)}` : `${label} ${num(v)} < ${num(l.below!)}`;
}

function isCleared(spec: LevelSpec, v: number): boolean {
  const c = spec.clear;
  if (!c) return !spec.levels.some((l) => isMet(l, v)); // DESIGN: no clear → clears when the raise condition stops
  return c.below !== undefined ? v < c.below : v > c.above!;
}

/** Raise (or escalate) to the highest level that has held for `for`; schedule the next one. */
export function confirmLevels(spec: LevelSpec, state: LevelState, now: number, ts: number): StepResult<LevelState> {
  const emit: Decision[] = [];
  let next = state;
  const top = spec.levels.findIndex((_, i) => state.since[i] != null && now - state.since[i]! >= spec.forMs);
  const last = state.last;
  if (top >= 0 && last && SEVERITY_RANK[spec.levels[top]!.severity] > rankOf(state.raised)) {
    const level = spec.levels[top]!;
    next = { ...state, raised: level.severity };
    emit.push({
      phase: 'raise',
      severity: level.severity,
      ts,
      reading: last.reading,
      metric: spec.metric,
      value: last.value,
      message: raiseMessage(spec.name, detail(spec.label, last.value, level), last.reading.deviceId),
    });
  }
  // Only a level above the one raised can still change anything when its `for` elapses.
  const pending = spec.levels
    .map((l, i) => (state.since[i] != null && SEVERITY_RANK[l.severity] > rankOf(next.raised) ? state.since[i]! + spec.forMs : undefined))
    .filter((t): t is number => t !== undefined && t > now);
  return { state: next, emit, ...(pending.length ? { wakeAt: Math.min(...pending) } : {}) };
}

/** A new value (or none: `undefined` keeps the timers as they are): update, clear, raise or escalate. */
export function stepLevels(
  spec: LevelSpec,
  state: LevelState,
  value: number | undefined,
  reading: Reading,
  now: number,
  ts = reading.ts,
): StepResult<LevelState> {
  if (value === undefined || !Number.isFinite(value)) return confirmLevels(spec, state, now, ts);
  const last = { reading, value };
  if (state.raised && isCleared(spec, value)) {
    const c = spec.clear;
    const why = c
      ? `${spec.label} ${num(value)} ${c.below !== undefined ? '<' : '>'} ${num(c.below ?? c.above!)}`
      : `${spec.label} ${num(value)}`;
    return {
      state: { since: spec.levels.map(() => null), raised: null, last },
      emit: [
        {
          phase: 'clear',
          severity: state.raised,
          ts,
          reading,
          metric: spec.metric,
          value,
          message: clearMessage(spec.name, why, reading.deviceId),
        },
      ],
    };
  }
  // The common case, a quiet value with nothing pending: the same result as below, built
  // without the per-level arrays (this runs for every reading of every levelled rule).
  if (state.raised === null && state.since.every((s) => s === null) && !spec.levels.some((l) => isMet(l, value))) {
    return { state: spec.lastWhenQuiet ? { since: state.since, raised: null, last } : state, emit: [] };
  }
  const since = spec.levels.map((l, i) => (isMet(l, value) ? (state.since[i] ?? now) : null));
  return confirmLevels(spec, { ...state, since, last }, now, ts);
}
