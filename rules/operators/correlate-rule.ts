import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Reading } from '../../model/reading.js';
import type { Detection } from '../../model/detection.js';
import { correlate, type CorrelateRule } from '../correlate.js';
import { ruleOperator, type RuleOperatorOptions } from './rule-operator.js';

/** Detections of a `correlate` rule; one state per grid; evidence leaves the window on `scheduler`'s timers. */
export function correlateRule(
  rule: CorrelateRule,
  scheduler: SchedulerLike = asyncScheduler,
  options?: RuleOperatorOptions,
): OperatorFunction<Reading, Detection> {
  return ruleOperator(correlate, rule, scheduler, options);
}
