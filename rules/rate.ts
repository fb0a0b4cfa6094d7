// Kind `rate`: how fast a metric changes — (newest − oldest) / elapsed over a sliding
// `window`, per `per` (default 1m) — with the levels, `for` and `clear` of threshold
// (DESIGN.md § Rules). Pure: no RxJS; the state is plain JSON.
import { z } from 'zod';
import { formatDuration, PositiveDuration } from '../model/duration.js';
import { Envelope } from './envelope.js';
import { confirmLevels, initLevels, levelFields, levelsOf, refineLevels, stepLevels, type LevelSpec, type LevelState } from './levels.js';
import type { RuleLogic } from './logic.js';

export const RateRule = Envelope.extend({
  kind: z.literal('rate'),
  ...levelFields,
  /** The change is measured from the oldest sample within this window to the newest. */
  window: PositiveDuration,
  /** The rate's time unit: change per this long (default 1m). */
  per: PositiveDuration.default(60_000),
}).superRefine((r, ctx) => {
  refineLevels(r, ctx, 'rate');
  if (!r.select.metric) ctx.addIssue({ code: 'custom', path: ['select', 'metric'], message: 'rate rules need select.metric' });
});
export type RateRule = z.infer<typeof RateRule>;

export interface RateState {
  /** [scheduler time, value] of the samples still inside the window, oldest first. */
  samples: [number, number][];
  level: LevelState;
}

const specOf = (rule: RateRule): LevelSpec => ({
  name: rule.name,
  levels: levelsOf(rule),
  clear: rule.clear,
  forMs: rule.for ?? 0,
  label: `${rule.select.metric!} Δ/${formatDuration(rule.per)}`,
  metric: rule.select.metric!,
});

/** The rate over the samples, or undefined with fewer than two samples apart in time. */
export function rateOf(samples: readonly [number, number][], per: number): number | undefined {
  const first = samples[0];
  const last = samples[samples.length - 1];
  if (!first || !last || last[0] <= first[0]) return undefined;
  return ((last[1] - first[1]) / (last[0] - first[0])) * per;
}

export const rate: RuleLogic<RateRule, RateState> = {
  init: (rule) => ({ samples: [], level: initLevels(specOf(rule)) }),

  /** Add the sample, drop those older than the window, and judge the rate like a threshold. */
  step(rule, state, reading, now) {
    const v = reading.metrics[rule.select.metric!];
    const kept = state.samples.filter(([t]) => t >= now - rule.window);
    const samples: [number, number][] = typeof v === 'number' && Number.isFinite(v) ? [...kept, [now, v]] : kept;
    const r = stepLevels(specOf(rule), state.level, rateOf(samples, rule.per), reading, now);
    return { state: { samples, level: r.state }, emit: r.emit, ...(r.wakeAt !== undefined ? { wakeAt: r.wakeAt } : {}) };
  },

  /** `for` elapsed with no new reading: raise on the last rate seen. */
  tick(rule, state, now) {
    const r = confirmLevels(specOf(rule), state.level, now, now);
    return { state: { ...state, level: r.state }, emit: r.emit, ...(r.wakeAt !== undefined ? { wakeAt: r.wakeAt } : {}) };
  },
};
