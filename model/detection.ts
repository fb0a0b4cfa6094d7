// A Detection is what a rule emits when its condition is met (or stops being met).
// It is the typed value between rules/ and alerts/ (DESIGN.md § Data flow).
import { z } from 'zod';
import { DeviceKind, Location } from './reading.js';

export const Severity = z.enum(['red', 'orange', 'yellow', 'blue']);
export type Severity = z.infer<typeof Severity>;

/** Highest first: red (I) > orange (II) > yellow (III) > blue (IV). */
export const SEVERITY_RANK: Record<Severity, number> = { red: 4, orange: 3, yellow: 2, blue: 1 };

export const Detection = z.object({
  id: z.string(),
  ts: z.number(),
  /** `raise` opens or escalates an incident; `clear` says the condition ended (hysteresis). */
  phase: z.enum(['raise', 'clear']),
  ruleId: z.string(),
  ruleVersion: z.number().int(),
  ruleName: z.string(),
  ruleKind: z.string(),
  severity: Severity,
  category: z.string(),
  /** DESIGN: rule + device, or rule + grid for area rules. */
  dedupKey: z.string(),
  deviceId: z.string(),
  deviceKind: DeviceKind,
  district: z.string().optional(),
  grid: z.string().optional(),
  loc: Location.optional(),
  metric: z.string().optional(),
  value: z.number().optional(),
  eventType: z.string().optional(),
  message: z.string(),
  /** The rule's routing override: the department that must take the case. */
  department: z.string().optional(),
  /** ts of the reading(s) that triggered it, so a review can point at them. */
  readingTs: z.number().optional(),
  /** The rule's `group` (window in ms): alerts/ folds such detections into one incident per group. */
  group: z.object({ by: z.enum(['grid', 'district', 'rule', 'device']), window: z.number() }).optional(),
});
export type Detection = z.infer<typeof Detection>;
