// The envelope every rule shares (DESIGN.md § Rules — part of the contract). Each kind
// file extends it with its own fields; `schema.ts` joins the kinds into one union.
import { z } from 'zod';
import { DeviceKind } from '../model/reading.js';
import { GroupSpec } from './group.js';

/** Which readings a rule looks at; every given field must match. */
export const Select = z.strictObject({
  kind: DeviceKind.optional(),
  /** Glob over the device id: `*` any run of characters, `?` one character. */
  device: z.string().min(1).optional(),
  /** The reading must carry this metric. */
  metric: z.string().min(1).optional(),
  /** The reading must carry an event (camera event or drone detection) of this type. */
  event: z.string().min(1).optional(),
  district: z.string().min(1).optional(),
  grid: z.string().min(1).optional(),
});
export type Select = z.infer<typeof Select>;

/** Per-rule routing override: send this rule's incidents to a named department. */
export const RuleRouting = z.strictObject({ department: z.string().min(1).optional() });

/** Fields common to every kind; `severity`/`levels` and `for`/`window` are added per kind. */
export const Envelope = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_.-]+$/, 'id must match [A-Za-z0-9_.-]+'),
  version: z.number().int().min(1),
  name: z.string().min(1),
  description: z.string().optional(),
  select: Select.default({}),
  category: z.string().min(1),
  routing: RuleRouting.optional(),
  /** One incident for the rule's detections in one grid/district within a window (rules/group.ts). */
  group: GroupSpec.optional(),
  enabled: z.boolean().default(true),
});

/** An envelope field a kind does not use: refused with a clear message, never silently ignored. */
export function unused(field: string, kind: string) {
  return z.undefined({ error: `${field} is not used by ${kind} rules` }).optional();
}
