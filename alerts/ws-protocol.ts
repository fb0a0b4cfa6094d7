// Client → server messages of DESIGN.md § WebSocket /ws, parsed at the edge.

export { ClientMessage, Filter } from '../model/ws.js';
import type { Filter, LogMessage } from '../model/ws.js';

type Facets = { severity?: string; category?: string; grid?: string; district?: string };

/** The facets a filter looks at, from an `alert` or `incident` log message. */
export function facetsOf(message: LogMessage): Facets {
  // A message read back from an older log may lack its body: it then matches only an empty filter.
  return (message.type === 'alert' ? message.alert : message.incident) ?? {};
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
