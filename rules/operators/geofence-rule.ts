import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Reading } from '../../model/reading.js';
import type { Detection } from '../../model/detection.js';
import { geofence, type GeofenceRule } from '../geofence.js';
import { ruleOperator, type RuleOperatorOptions } from './rule-operator.js';

/** Detections of a `geofence` rule; `for` runs on `scheduler`. */
export function geofenceRule(
  rule: GeofenceRule,
  scheduler: SchedulerLike = asyncScheduler,
  options?: RuleOperatorOptions,
): OperatorFunction<Reading, Detection> {
  return ruleOperator(geofence, rule, scheduler, options);
}
