import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Reading } from '../../model/reading.js';
import type { Detection } from '../../model/detection.js';
import { rate, type RateRule } from '../rate.js';
import { ruleOperator, type RuleOperatorOptions } from './rule-operator.js';

/** Detections of a `rate` rule; the rate window and `for` run on `scheduler`. */
export function rateRule(
  rule: RateRule,
  scheduler: SchedulerLike = asyncScheduler,
  options?: RuleOperatorOptions,
): OperatorFunction<Reading, Detection> {
  return ruleOperator(rate, rule, scheduler, options);
}
