// The people side of escalation (值班 → 副职 → 主要负责人 → 一办): while a case waits for an
// acknowledgement, each step is due a configured delay after the case reached the department.
// Pure: the notifier keeps the step reached per case in the outbox file.
import type { Roster } from './config.js';

/** Steps in order; after `office`, reminders to everyone told so far. */
export const DUTY_STEPS = ['on-duty', 'deputy', 'head', 'office'] as const;
/** A step of the duty escalation, or a reminder after the last. */
export type DutyStep = (typeof DUTY_STEPS)[number] | 'reminder';

/** How far a case got: the last step index told, reminders sent, and when the last went out. */
export interface DutyState {
  since: number;
  level: number;
  reminders: number;
  lastAt: number;
}

/** The step due at `now` after `state`, or undefined (not yet, or reminders used up). */
export function nextDutyStep(
  state: DutyState,
  policy: Roster['escalation'],
  now: number,
): { step: DutyStep; state: DutyState } | undefined {
  const delays = [0, policy.deputyAfter, policy.headAfter, policy.officeAfter];
  const level = state.level + 1;
  if (level < delays.length) {
    if (now < state.since + delays[level]!) return undefined;
    return { step: DUTY_STEPS[level]!, state: { ...state, level, lastAt: now } };
  }
  if (state.reminders >= policy.maxReminders || now < state.lastAt + policy.remindEvery) return undefined;
  return { step: 'reminder', state: { ...state, reminders: state.reminders + 1, lastAt: now } };
}
