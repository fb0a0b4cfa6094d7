// Kind `absence` (deadman): a device that was seen and then went quiet for `after`, or
// published `offline` (its last will). Clears when it reports again (DESIGN.md § Rules). Pure.
import { z } from 'zod';
import type { Reading } from '../ingest/schemas.js';
import { Severity } from './detection.js';
import { PositiveDuration } from './duration.js';
import { Envelope, unused } from './envelope.js';
import type { RuleLogic } from './logic.js';
import { clearMessage, phrases, raiseMessage, silenceDetail } from './messages.js';
import { compileSelect } from './select.js';

export const AbsenceRule = Envelope.extend({
  kind: z.literal('absence'),
  severity: Severity,
  /** Raise when nothing arrived from a seen device for this long. */
  after: PositiveDuration,
  levels: unused('levels', 'absence'),
  for: unused('for', 'absence'),
  window: unused('window', 'absence'),
});
export type AbsenceRule = z.infer<typeof AbsenceRule>;

export interface AbsenceState {
  raised: boolean;
  last?: Reading;
}

/** Readings that count as "heard from": status messages match on the device fields alone. */
export function absenceSelect(rule: AbsenceRule): (reading: Reading) => boolean {
  const full = compileSelect(rule.select);
  // A status message carries no metrics or events, but is still news from the device.
  const device = compileSelect({ ...rule.select, metric: undefined, event: undefined });
  return (r) => (r.channel === 'status' ? device(r) : full(r));
}

export const absence: RuleLogic<AbsenceRule, AbsenceState> = {
  init: () => ({ raised: false }),
  accepts: absenceSelect,

  /** Offline status raises at once; anything else clears a raise and restarts the clock. */
  step(rule, state, reading, now) {
    if (reading.status === 'offline') {
      if (state.raised) return { state: { ...state, last: reading }, emit: [] };
      const message = raiseMessage(rule.name, phrases(rule.name).offline, reading.deviceId);
      return { state: { raised: true, last: reading }, emit: [{ phase: 'raise', severity: rule.severity, ts: reading.ts, reading, message }] };
    }
    const emit = state.raised
      ? [{ phase: 'clear' as const, severity: rule.severity, ts: reading.ts, reading, message: clearMessage(rule.name, phrases(rule.name).back, reading.deviceId) }]
      : [];
    return { state: { raised: false, last: reading }, emit, wakeAt: now + rule.after };
  },

  /** Silence lasted `after`: raise once, at scheduler time, on the last reading seen. */
  tick(rule, state, now) {
    if (state.raised || !state.last) return { state, emit: [] };
    const message = raiseMessage(rule.name, silenceDetail(rule.name, rule.after), state.last.deviceId);
    return { state: { ...state, raised: true }, emit: [{ phase: 'raise', severity: rule.severity, ts: now, reading: state.last, message }] };
  },
};
