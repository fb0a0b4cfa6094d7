// Kind `event`: a camera event or drone detection of one type with at least
// `minConfidence`, optionally `count` of them within `window` (DESIGN.md § Rules). Pure.
import { z } from 'zod';
import type { SeenEvent } from '../model/reading.js';
import { Severity } from '../model/detection.js';
import { Envelope, unused } from './envelope.js';
import { PositiveDuration } from '../model/duration.js';
import type { RuleLogic } from './logic.js';
import { countDetail, num, raiseMessage } from './messages.js';

/** Quiet time after a raise when neither `cooldown` nor `window` is given. */
export const DEFAULT_EVENT_COOLDOWN_MS = 60_000;

export const EventRule = Envelope.extend({
  kind: z.literal('event'),
  severity: Severity,
  minConfidence: z.number().min(0).max(1).default(0.5),
  /** Raise only when at least this many matching events arrived within `window`. */
  count: z.number().int().min(1).optional(),
  window: PositiveDuration.optional(),
  /** After a raise, the same device does not raise again for this long (default: window, else 60s). */
  cooldown: PositiveDuration.optional(),
  levels: unused('levels', 'event'),
  for: unused('for', 'event'),
}).superRefine((r, ctx) => {
  if (!r.select.event) ctx.addIssue({ code: 'custom', path: ['select', 'event'], message: 'event rules need select.event' });
  if (r.count !== undefined && r.window === undefined) ctx.addIssue({ code: 'custom', path: ['window'], message: 'count needs a window' });
  if (r.window !== undefined && r.count === undefined) ctx.addIssue({ code: 'custom', path: ['count'], message: 'window needs a count' });
});
export type EventRule = z.infer<typeof EventRule>;

export interface EventState {
  /** Scheduler times of matching events still inside the window (count rules only). */
  times: number[];
  /** No new raise before this scheduler time. */
  quietUntil?: number;
}

/** The cooldown in ms this rule applies after a raise. */
export function cooldownOf(rule: EventRule): number {
  return rule.cooldown ?? rule.window ?? DEFAULT_EVENT_COOLDOWN_MS;
}

export const event: RuleLogic<EventRule, EventState> = {
  init: () => ({ times: [] }),

  /** Count matching events; raise when enough arrived and the device is not cooling down. */
  step(rule, state, reading, now) {
    const type = rule.select.event!;
    const seen = reading.events.filter((e) => e.type === type && e.confidence >= rule.minConfidence);
    if (seen.length === 0) return { state, emit: [] };
    // Each matching event counts once, so a drone frame with two smoke detections counts two.
    const times = rule.window === undefined ? [] : [...state.times.filter((t) => t > now - rule.window!), ...seen.map(() => now)];
    const coolingDown = state.quietUntil !== undefined && now < state.quietUntil;
    if (coolingDown || (rule.count !== undefined && times.length < rule.count)) {
      return { state: { ...state, times }, emit: [] };
    }
    const best = seen.reduce((a: SeenEvent, b) => (b.confidence > a.confidence ? b : a));
    const what =
      rule.count !== undefined
        ? countDetail(rule.name, type, times.length, rule.window!)
        : `${type} ${num(best.confidence)} ≥ ${num(rule.minConfidence)}`;
    return {
      state: { times: [], quietUntil: now + cooldownOf(rule) },
      emit: [
        {
          phase: 'raise',
          severity: rule.severity,
          ts: reading.ts,
          reading,
          eventType: type,
          value: best.confidence,
          ...(best.loc ? { loc: best.loc } : {}),
          message: raiseMessage(rule.name, what, reading.deviceId),
        },
      ],
    };
  },

  // Events are instantaneous: nothing happens with time alone, and there is no clear.
  tick: (_rule, state) => ({ state, emit: [] }),
};
