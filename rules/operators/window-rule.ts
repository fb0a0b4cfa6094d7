import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Reading } from '../../model/reading.js';
import type { Detection } from '../../model/detection.js';
import { slidingWindow, type WindowRule } from '../window.js';
import { ruleOperator, type RuleOperatorOptions } from './rule-operator.js';

/** Detections of a `window` rule; samples leave the window on `scheduler`'s timers. */
export function windowRule(
  rule: WindowRule,
  scheduler: SchedulerLike = asyncScheduler,
  options?: RuleOperatorOptions,
): OperatorFunction<Reading, Detection> {
  return ruleOperator(slidingWindow, rule, scheduler, options);
}
