// Grouping (what Alertmanager's `group_by` does): detections of one rule that share a place
// and arrive close together become one incident listing its member devices (alerts/grouping.ts).
import { z } from 'zod';
import { PositiveDuration } from '../model/duration.js';

/** What a group shares: the grid, the district, only the rule, or nothing (`device`: one incident per device). */
export const GroupBy = z.enum(['grid', 'district', 'rule', 'device']);
export type GroupBy = z.infer<typeof GroupBy>;

/** `group: {by, window}` on a rule, or a config default per rule kind; `window` as a duration string. */
export const GroupSpec = z.strictObject({
  by: GroupBy,
  /** A new device joins an open group only if its detection comes within this of the group's latest new member. */
  window: PositiveDuration.default(120_000),
});
export type GroupSpec = z.infer<typeof GroupSpec>;
/** A group spec as written (window as a string). */
export type GroupSpecInput = z.input<typeof GroupSpec>;
