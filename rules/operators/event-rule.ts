import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Reading } from '../../model/reading.js';
import type { Detection } from '../../model/detection.js';
import { event, type EventRule } from '../event.js';
import { ruleOperator, type RuleOperatorOptions } from './rule-operator.js';

/** Detections of an `event` rule; window and cooldown are measured on `scheduler`. */
export function eventRule(
  rule: EventRule,
  scheduler: SchedulerLike = asyncScheduler,
  options?: RuleOperatorOptions,
): OperatorFunction<Reading, Detection> {
  return ruleOperator(event, rule, scheduler, options);
}
