import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Reading } from '../../model/reading.js';
import type { Detection } from '../../model/detection.js';
import { threshold, type ThresholdRule } from '../threshold.js';
import { ruleOperator, type RuleOperatorOptions } from './rule-operator.js';

/** Detections of a `threshold` rule; `for` runs on `scheduler` and raises without a new reading. */
export function thresholdRule(
  rule: ThresholdRule,
  scheduler: SchedulerLike = asyncScheduler,
  options?: RuleOperatorOptions,
): OperatorFunction<Reading, Detection> {
  return ruleOperator(threshold, rule, scheduler, options);
}
