// The shape every rule kind's pure decision logic has (DESIGN.md § Rules: "rule logic is
// pure functions (state, reading) → decision"). No RxJS here: operators wrap these.
import type { Location, Reading } from '../model/reading.js';
import type { Severity } from '../model/detection.js';

/** What a kind's logic decided; the operator turns it into a Detection. */
export interface Decision {
  phase: 'raise' | 'clear';
  severity: Severity;
  /** Detection time: the reading's ts, or the scheduler's time for timer decisions. */
  ts: number;
  /** The reading that triggered it (for timeouts: the last reading seen). */
  reading: Reading;
  message: string;
  metric?: string;
  value?: number;
  eventType?: string;
  /** Overrides the reading's location (a drone detection's own position). */
  loc?: Location;
}

/** The result of one step: the next state, what to emit, and when to be woken up. */
export interface StepResult<S> {
  state: S;
  emit: Decision[];
  /** Scheduler time at which `tick` must run; undefined cancels any pending wake-up. */
  wakeAt?: number;
}

/** One rule kind's decision logic, per key (a device, or a grid for area rules); `now` is always the scheduler's time. */
export interface RuleLogic<R, S> {
  /** A fresh state. States are plain JSON values: the rule-state store saves and restores them. */
  init(rule: R): S;
  /** Which readings reach `step`; default: the rule's selector. */
  accepts?(rule: R): (reading: Reading) => boolean;
  /** The state key of a reading (undefined: skip it); default the device id. Also the dedup key's tail. */
  keyOf?(rule: R): (reading: Reading) => string | undefined;
  step(rule: R, state: S, reading: Reading, now: number): StepResult<S>;
  /** Called at `wakeAt` with no new reading (timeouts, `for` durations). */
  tick(rule: R, state: S, now: number): StepResult<S>;
}
