// Which routes of `notify.routes` take a change: in order, first match wins unless the route
// says `continue: true` (as Alertmanager's routing tree, flattened).
import type { Incident } from '../alerts/index.js';
import type { NotifyEvent, NotifyRoute, RouteMatch } from './config.js';
import { RESOLVING } from './events.js';

const has = (list: readonly string[] | undefined, v: string | undefined) => list === undefined || (v !== undefined && list.includes(v));

/** Whether the incident's facets satisfy every field the match names. */
export function matches(m: RouteMatch, i: Pick<Incident, 'severity' | 'category' | 'department' | 'district' | 'grid'>): boolean {
  return (
    has(m.severity, i.severity) &&
    has(m.category, i.category) &&
    has(m.department, i.department) &&
    has(m.district, i.district) &&
    has(m.grid, i.grid)
  );
}

/** The routes (with their index) that send this event of this incident. */
export function routesFor(
  routes: readonly NotifyRoute[],
  incident: Incident,
  event: NotifyEvent,
): Array<{ index: number; route: NotifyRoute }> {
  const out: Array<{ index: number; route: NotifyRoute }> = [];
  for (const [index, route] of routes.entries()) {
    if (!matches(route.match, incident)) continue;
    // A matching route decides for this case even when it skips this event: first match wins.
    if (route.events.includes(event) && (route.sendResolved || !RESOLVING.has(event))) out.push({ index, route });
    if (!route.continue) break;
  }
  return out;
}
