// Kind `geofence`: a drone (or any located device) inside a no-fly area, outside its
// allowed area, and/or outside altitude limits, held for `for`; clears when it complies
// again (DESIGN.md § Rules). Pure: no RxJS; the state is plain JSON.
import { z } from 'zod';
import type { Reading } from '../model/reading.js';
import { Severity } from '../model/detection.js';
import { Duration } from '../model/duration.js';
import { Envelope, unused } from './envelope.js';
import { distanceM, insidePolygon } from './geo.js';
import type { Decision, RuleLogic, StepResult } from './logic.js';
import { clearMessage, num, raiseMessage } from './messages.js';
import { compileSelect } from './select.js';

const Point = z.strictObject({ lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) });
export const GeofenceArea = z.union([
  z.strictObject({ polygon: z.array(Point).min(3, 'a polygon needs at least 3 points') }),
  z.strictObject({ circle: z.strictObject({ center: Point, radiusM: z.number().positive() }) }),
]);
export type GeofenceArea = z.infer<typeof GeofenceArea>;

export const GeofenceRule = Envelope.extend({
  kind: z.literal('geofence'),
  severity: Severity,
  /** A polygon (`[{lat, lon}, …]`) or a circle (`{center, radiusM}`). */
  area: GeofenceArea.optional(),
  /** `inside`: raise inside the area (a no-fly zone); `outside`: raise when it leaves it. */
  trigger: z.enum(['inside', 'outside']).default('inside'),
  /** Altitude limits (metres): raise above `above` or below `below` (inside the area when one is given). */
  altitude: z
    .strictObject({ above: z.number().finite().optional(), below: z.number().finite().optional() })
    .refine((a) => a.above !== undefined || a.below !== undefined, 'altitude takes above and/or below')
    .optional(),
  /** The violation must last this long before raising (GPS jitter at the border). */
  for: Duration.optional(),
  levels: unused('levels', 'geofence'),
  window: unused('window', 'geofence'),
}).superRefine((r, ctx) => {
  if (!r.area && !r.altitude)
    ctx.addIssue({ code: 'custom', path: ['area'], message: 'a geofence rule needs an area and/or altitude limits' });
});
export type GeofenceRule = z.infer<typeof GeofenceRule>;

export interface GeofenceState {
  /** Scheduler time the violation started; null while compliant. */
  since: number | null;
  raised: boolean;
  last: Reading | null;
}

/** What is wrong with this position, or undefined when it complies. */
export function violation(rule: GeofenceRule, reading: Reading): string | undefined {
  const loc = reading.loc;
  if (!loc) return undefined;
  const why: string[] = [];
  if (rule.area) {
    const inside =
      'polygon' in rule.area ? insidePolygon(loc, rule.area.polygon) : distanceM(loc, rule.area.circle.center) <= rule.area.circle.radiusM;
    if (inside !== (rule.trigger === 'inside')) return undefined;
    why.push(`${rule.trigger} area (${num(loc.lat)}, ${num(loc.lon)})`);
  }
  if (rule.altitude) {
    const alt = loc.alt ?? reading.metrics.alt;
    const { above, below } = rule.altitude;
    if (alt === undefined) return undefined;
    if (above !== undefined && alt > above) why.push(`alt ${num(alt)} > ${num(above)}`);
    else if (below !== undefined && alt < below) why.push(`alt ${num(alt)} < ${num(below)}`);
    else return undefined;
  }
  return why.join(', ');
}

function confirm(rule: GeofenceRule, state: GeofenceState, now: number, ts: number): StepResult<GeofenceState> {
  const forMs = rule.for ?? 0;
  if (state.raised || state.since === null || !state.last) return { state, emit: [] };
  if (now - state.since < forMs) return { state, emit: [], wakeAt: state.since + forMs };
  const reading = state.last;
  const emit: Decision[] = [
    {
      phase: 'raise',
      severity: rule.severity,
      ts,
      reading,
      message: raiseMessage(rule.name, violation(rule, reading) ?? 'geofence', reading.deviceId),
    },
  ];
  return { state: { ...state, raised: true }, emit };
}

export const geofence: RuleLogic<GeofenceRule, GeofenceState> = {
  init: () => ({ since: null, raised: false, last: null }),
  /** Located telemetry only: a status message says nothing about where the drone is. */
  accepts: (rule) => {
    const sel = compileSelect(rule.select);
    return (r) => r.channel !== 'status' && r.loc !== undefined && sel(r);
  },

  /** Track the violation; raise once it held for `for`; clear as soon as it complies. */
  step(rule, state, reading, now) {
    const bad = violation(rule, reading);
    if (bad === undefined) {
      const emit: Decision[] = state.raised
        ? [
            {
              phase: 'clear',
              severity: rule.severity,
              ts: reading.ts,
              reading,
              message: clearMessage(rule.name, 'back in bounds', reading.deviceId),
            },
          ]
        : [];
      return { state: { since: null, raised: false, last: reading }, emit };
    }
    return confirm(rule, { ...state, since: state.since ?? now, last: reading }, now, reading.ts);
  },

  /** `for` elapsed with no new position: raise on the last one. */
  tick: (rule, state, now) => confirm(rule, state, now, now),
};
