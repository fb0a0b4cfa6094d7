// Kind `absence` (deadman): a device that was seen and then went quiet for `after`, or
// lost its connection (the broker published its `offline` last will). Clears when it reports
// again (DESIGN.md § Rules). An `offline` it meant (`departed`) stops the clock instead. Pure.
import { z } from 'zod';
import type { Reading } from '../model/reading.js';
import { Severity } from '../model/detection.js';
import { PositiveDuration } from '../model/duration.js';
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
  /** The device said goodbye (a departed `offline`): no deadman clock until it is heard again. */
  away?: boolean;
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
    // A goodbye is not an outage: nothing raised, and no wake-up, so silence after it raises nothing.
    if (reading.status === 'offline' && reading.departed) return { state: { raised: state.raised, last: reading, away: true }, emit: [] };
    if (reading.status === 'offline') {
      if (state.raised) return { state: { ...state, last: reading }, emit: [] };
      const message = raiseMessage(rule.name, phrases(rule.name).offline, reading.deviceId);
      const placed = withPlace(reading, state.last);
      return {
        state: { raised: true, last: placed },
        emit: [{ phase: 'raise', severity: rule.severity, ts: reading.ts, reading: placed, message }],
      };
    }
    const emit = state.raised
      ? [
          {
            phase: 'clear' as const,
            severity: rule.severity,
            ts: reading.ts,
            reading,
            message: clearMessage(rule.name, phrases(rule.name).back, reading.deviceId),
          },
        ]
      : [];
    return { state: { raised: false, last: reading }, emit, wakeAt: now + rule.after };
  },

  /** Silence lasted `after`: raise once, at scheduler time, on the last reading seen. */
  tick(rule, state, now) {
    if (state.raised || !state.last || state.away) return { state, emit: [] };
    const message = raiseMessage(rule.name, silenceDetail(rule.name, rule.after), state.last.deviceId);
    return {
      state: { ...state, raised: true },
      emit: [{ phase: 'raise', severity: rule.severity, ts: now, reading: state.last, message }],
    };
  },
};

/**
 * A status message carries no position, and an unregistered device has none in the registry: the
 * last place it reported from is where it went offline (the incident's grid, and its group).
 */
function withPlace(status: Reading, last: Reading | undefined): Reading {
  if (!last || status.grid !== undefined || last.grid === undefined) return status;
  const placed: Reading = { ...status, grid: last.grid };
  if (last.district !== undefined) placed.district = last.district;
  if (last.loc !== undefined) placed.loc = last.loc;
  return placed;
}
