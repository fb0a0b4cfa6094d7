import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Reading } from '../../model/reading.js';
import type { Detection } from '../../model/detection.js';
import { absence, type AbsenceRule } from '../absence.js';
import { ruleOperator, type RuleOperatorOptions } from './rule-operator.js';

/** Detections of an `absence` rule; the silence timer runs on `scheduler`. */
export function absenceRule(
  rule: AbsenceRule,
  scheduler: SchedulerLike = asyncScheduler,
  options?: RuleOperatorOptions,
): OperatorFunction<Reading, Detection> {
  return ruleOperator(absence, rule, scheduler, options);
}
