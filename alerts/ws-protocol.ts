// Client → server messages of DESIGN.md § WebSocket /ws, parsed at the edge.
import { z } from 'zod';
import { Severity } from '../rules/detection.js';

const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1)]);

export const Filter = z.strictObject({
  severity: oneOrMany(Severity).optional(),
  category: oneOrMany(z.string().min(1)).optional(),
  grid: oneOrMany(z.string().min(1)).optional(),
  district: oneOrMany(z.string().min(1)).optional(),
});
export type Filter = z.infer<typeof Filter>;

export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), filter: Filter.default({}) }),
  z.object({ type: z.literal('resume'), since: z.number().int().nonnegative() }),
  z.object({ type: z.literal('ack'), incidentId: z.string().min(1), by: z.string().trim().min(1).max(128) }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

type Facets = { severity?: string; category?: string; grid?: string; district?: string };

/** The facets a filter looks at, from an `alert` or `incident` log message. */
export function facetsOf(message: Record<string, unknown>): Facets {
  const body = (message.alert ?? message.incident ?? {}) as Facets;
  return body;
}

/** Whether a message passes a subscription filter (every given facet must match). */
export function matchesFilter(filter: Filter, facets: Facets): boolean {
  const ok = (want: string | string[] | undefined, have: string | undefined) =>
    want === undefined || (have !== undefined && (Array.isArray(want) ? want.includes(have) : want === have));
  return (
    ok(filter.severity, facets.severity) &&
    ok(filter.category, facets.category) &&
    ok(filter.grid, facets.grid) &&
    ok(filter.district, facets.district)
  );
}
