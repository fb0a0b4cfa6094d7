// Kind `window`: an aggregate (avg, min, max, sum, count) of a metric over a sliding
// `window`, with the levels, `for` and `clear` of threshold (DESIGN.md § Rules). Samples
// leave the window on a timer too, so a count or sum falls (and clears) without new
// readings. Pure: no RxJS; the state is plain JSON.
import { z } from 'zod';
import { formatDuration, PositiveDuration } from '../model/duration.js';
import { Envelope } from './envelope.js';
import { initLevels, levelFields, levelsOf, refineLevels, stepLevels, type LevelSpec, type LevelState } from './levels.js';
import type { RuleLogic, StepResult } from './logic.js';

export const Aggregate = z.enum(['avg', 'min', 'max', 'sum', 'count']);
export type Aggregate = z.infer<typeof Aggregate>;

export const WindowRule = Envelope.extend({
  kind: z.literal('window'),
  ...levelFields,
  /** Samples newer than this (scheduler time) are in the window. */
  window: PositiveDuration,
  aggregate: Aggregate,
  /** Judge the aggregate only once the window holds this many samples (default 1). */
  minSamples: z.number().int().min(1).default(1),
}).superRefine((r, ctx) => {
  refineLevels(r, ctx, 'window');
  if (!r.select.metric) ctx.addIssue({ code: 'custom', path: ['select', 'metric'], message: 'window rules need select.metric' });
});
export type WindowRule = z.infer<typeof WindowRule>;

export interface WindowState {
  /** [scheduler time, value] of the samples inside the window, oldest first. */
  samples: [number, number][];
  level: LevelState;
}

/** The aggregate of the values; avg/min/max of nothing is undefined, sum/count of nothing 0. */
export function aggregateOf(fn: Aggregate, values: readonly number[]): number | undefined {
  if (fn === 'count') return values.length;
  if (fn === 'sum') return values.reduce((a, b) => a + b, 0);
  if (values.length === 0) return undefined;
  if (fn === 'min') return Math.min(...values);
  if (fn === 'max') return Math.max(...values);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

const specOf = (rule: WindowRule): LevelSpec => ({
  name: rule.name,
  levels: levelsOf(rule),
  clear: rule.clear,
  forMs: rule.for ?? 0,
  label: `${rule.aggregate}(${rule.select.metric!}, ${formatDuration(rule.window)})`,
  metric: rule.select.metric!,
  lastWhenQuiet: true,
});

/** Judge the window at `now`; wake again when the oldest sample leaves it (or a `for` ends). */
function judge(
  rule: WindowRule,
  samples: [number, number][],
  level: LevelState,
  now: number,
  ts: number | undefined,
  reading = level.last?.reading,
): StepResult<WindowState> {
  const value =
    samples.length >= rule.minSamples
      ? aggregateOf(
          rule.aggregate,
          samples.map(([, v]) => v),
        )
      : undefined;
  if (!reading) return { state: { samples, level }, emit: [] };
  const r = stepLevels(specOf(rule), level, value, reading, now, ts ?? reading.ts);
  const wakes = [r.wakeAt, samples[0] ? samples[0][0] + rule.window : undefined].filter((t): t is number => t !== undefined);
  return { state: { samples, level: r.state }, emit: r.emit, ...(wakes.length ? { wakeAt: Math.min(...wakes) } : {}) };
}

export const slidingWindow: RuleLogic<WindowRule, WindowState> = {
  init: (rule) => ({ samples: [], level: initLevels(specOf(rule)) }),

  /** Add the sample, drop those that left the window, judge the aggregate. */
  step(rule, state, reading, now) {
    const v = reading.metrics[rule.select.metric!];
    const kept = state.samples.filter(([t]) => t > now - rule.window);
    const samples: [number, number][] = typeof v === 'number' && Number.isFinite(v) ? [...kept, [now, v]] : kept;
    return judge(rule, samples, state.level, now, undefined, reading);
  },

  /** A sample left the window, or `for` elapsed: judge again at scheduler time. */
  tick(rule, state, now) {
    return judge(
      rule,
      state.samples.filter(([t]) => t > now - rule.window),
      state.level,
      now,
      now,
    );
  },
};
