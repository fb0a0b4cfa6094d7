// Kind `threshold`: a metric above and/or below a bound, held for `for`, with several
// levels (escalation) and hysteresis via `clear` (DESIGN.md § Rules). Pure: no RxJS.
import { z } from 'zod';
import { Envelope, unused } from './envelope.js';
import {
  Clear,
  Level,
  confirmLevels,
  initLevels,
  levelFields,
  levelsOf,
  refineLevels,
  stepLevels,
  type LevelSpec,
  type LevelState,
} from './levels.js';
import type { RuleLogic } from './logic.js';

/** Kept for callers of the first API; the same schemas as `levels.ts`. */
export const ThresholdLevel = Level;
export const ThresholdClear = Clear;
export { levelsOf };

export const ThresholdRule = Envelope.extend({
  kind: z.literal('threshold'),
  ...levelFields,
  window: unused('window', 'threshold'),
}).superRefine((r, ctx) => {
  refineLevels(r, ctx, 'threshold');
  if (!r.select.metric) ctx.addIssue({ code: 'custom', path: ['select', 'metric'], message: 'threshold rules need select.metric' });
});
export type ThresholdRule = z.infer<typeof ThresholdRule>;

export type ThresholdState = LevelState;

const specOf = (rule: ThresholdRule): LevelSpec => ({
  name: rule.name,
  levels: levelsOf(rule),
  clear: rule.clear,
  forMs: rule.for ?? 0,
  label: rule.select.metric!,
  metric: rule.select.metric!,
});

export const threshold: RuleLogic<ThresholdRule, ThresholdState> = {
  init: (rule) => initLevels(specOf(rule)),

  /** One reading of the device: update per-level timers, clear, raise or escalate. */
  step: (rule, state, reading, now) => stepLevels(specOf(rule), state, reading.metrics[rule.select.metric!], reading, now),

  /** `for` elapsed with no new reading: raise on the last value seen, at scheduler time. */
  tick: (rule, state, now) => confirmLevels(specOf(rule), state, now, now),
};
