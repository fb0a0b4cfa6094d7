// Who may take which action on which incident (DESIGN.md § Incidents: roles and scope). The
// role check is the route's; this is the part that depends on the incident and the body.
import { type Principal, inScope, scopeOf } from './access.js';
import type { ActionBody } from './actions.js';
import type { Incident } from '../model/incident.js';

/** An action refused for who asks: 404 out of scope, 403 not theirs to do. */
export interface Refusal {
  status: 403 | 404;
  code: 'forbidden' | 'not_found';
  message: string;
}

/**
 * Why `principal` may not take `body` on `incident`, or undefined when it may. No principal is
 * an internal caller (tests, Node-RED) and may do anything the state machine allows.
 */
export function refusalOf(principal: Principal | undefined, incident: Incident, body: ActionBody, office: string): Refusal | undefined {
  if (!principal) return undefined;
  // Out of scope reads as unknown (404), not 403: a scoped caller does not learn the id exists.
  if (!inScope(principal, scopeOf(incident, office))) return { status: 404, code: 'not_found', message: `no incident ${incident.id}` };
  const own = principal.department;
  if (body.action === 'arrive' && principal.role !== 'admin' && own !== incident.department) {
    // 吹哨报到: the department itself reports on site; nobody can arrive on its behalf.
    return {
      status: 403,
      code: 'forbidden',
      message: `arrive is reported by the dispatched department (${incident.department ?? 'none'}), not by ${principal.name}${own ? ` of ${own}` : ''}`,
    };
  }
  // A department hands work only to itself; the coordination office (一办) hands it to anyone.
  if (body.department !== undefined && own !== undefined && own !== office && own !== body.department) {
    return { status: 403, code: 'forbidden', message: `a ${own} responder cannot hand an incident to ${body.department}` };
  }
  return undefined;
}
