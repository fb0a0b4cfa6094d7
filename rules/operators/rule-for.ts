import { asyncScheduler, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { Reading } from '../../model/reading.js';
import type { Detection } from '../../model/detection.js';
import type { Rule } from '../schema.js';
import { absenceRule } from './absence-rule.js';
import { correlateRule } from './correlate-rule.js';
import { eventRule } from './event-rule.js';
import { geofenceRule } from './geofence-rule.js';
import { rateRule } from './rate-rule.js';
import type { RuleOperatorOptions } from './rule-operator.js';
import { thresholdRule } from './threshold-rule.js';
import { windowRule } from './window-rule.js';

/** The operator for any rule, chosen by its kind. */
export function ruleFor(
  rule: Rule,
  scheduler: SchedulerLike = asyncScheduler,
  options?: RuleOperatorOptions,
): OperatorFunction<Reading, Detection> {
  switch (rule.kind) {
    case 'threshold':
      return thresholdRule(rule, scheduler, options);
    case 'event':
      return eventRule(rule, scheduler, options);
    case 'absence':
      return absenceRule(rule, scheduler, options);
    case 'rate':
      return rateRule(rule, scheduler, options);
    case 'window':
      return windowRule(rule, scheduler, options);
    case 'geofence':
      return geofenceRule(rule, scheduler, options);
    case 'correlate':
      return correlateRule(rule, scheduler, options);
    default: {
      const unknownKind: never = rule; // a new kind in the Rule union must get a case here
      throw new Error(`no operator for rule kind ${JSON.stringify((unknownKind as Rule).kind)}`);
    }
  }
}
