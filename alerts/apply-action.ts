// What each action does to an incident besides its state (DESIGN.md § Incidents: the closed
// loop): deadlines, arrival, hand-overs, the verifier check. Pure: the service stores the result.
import type { ActionBody } from './actions.js';
import type { Incident } from '../model/incident.js';
import { type Router, deadlinesFrom } from './routing.js';

/** The incident after an action and what goes into its event's data, or the refusal. */
export type Applied =
  | { ok: true; next: Incident; data: Record<string, unknown> }
  | { ok: false; status: 400 | 409; code: string; message: string; issues?: Array<{ path: string; message: string }> };

/** What applyAction needs besides the incident and the body. */
export interface ApplyContext {
  now: number;
  router: Router;
  /** The token name of the caller (the audit principal), when authenticated. */
  principal?: string;
}

const refuse = (status: 400 | 409, code: string, message: string, field?: string): Applied => ({
  ok: false,
  status,
  code,
  message,
  ...(field ? { issues: [{ path: field, message }] } : {}),
});

/** A fresh dispatch to `department`: its clock starts now (arrive, resolve), arrival and escalation reset. */
function redispatch(current: Incident, next: Incident, department: string, ctx: ApplyContext): void {
  const fresh = deadlinesFrom(ctx.now, ctx.router.limitsFor({ ...current, department }));
  next.department = department;
  next.dispatchedAt = ctx.now;
  next.arrivedAt = undefined;
  // The acknowledge deadline was the first taker's and stays as it was, met or missed.
  next.deadlines = { ...fresh, acknowledgeBy: current.deadlines?.acknowledgeBy ?? fresh.acknowledgeBy };
  next.overdue = current.overdue.filter((o) => o === 'acknowledge');
  next.escalation = undefined;
}

/** `next` (current with its new state) completed for `body.action`, or why the action is refused. */
export function applyAction(current: Incident, next: Incident, body: ActionBody, ctx: ApplyContext): Applied {
  const { now, router, principal } = ctx;
  if (body.department !== undefined && !router.knows(body.department)) {
    return refuse(
      400,
      'unknown_department',
      `${body.department} is not a department of the routing table (${router.departments().join(', ')})`,
      'department',
    );
  }
  const data: Record<string, unknown> = {};
  switch (body.action) {
    case 'acknowledge':
      next.acknowledgedAt = now;
      break;
    case 'dispatch':
      next.dispatchedAt = now;
      next.department = body.department ?? current.department;
      data.department = next.department;
      break;
    case 'arrive':
      if (current.arrivedAt !== undefined) {
        return refuse(
          409,
          'already_arrived',
          `${current.department} already reported arrival at ${new Date(current.arrivedAt).toISOString()}`,
        );
      }
      next.arrivedAt = now;
      data.department = current.department;
      if (body.loc) data.loc = body.loc;
      break;
    case 'transfer': {
      const to = body.department!; // required by ActionBody for transfer
      if (to === current.department) return refuse(400, 'same_department', `the incident is already with ${to}`, 'department');
      // The old department's clock stops here; the new one's starts from its own limits.
      redispatch(current, next, to, ctx);
      next.transfers = (current.transfers ?? 0) + 1;
      Object.assign(data, { from: current.department, to, department: to });
      break;
    }
    case 'feedback':
      next.resolvedAt = now;
      next.resolvedBy = body.by;
      next.resolvedPrincipal = principal;
      break;
    case 'close':
    case 'reject': {
      // DESIGN: 核查结案 — verified by a principal other than the responder. The token decides;
      // `by` is free text, so it can only add a refusal, never lift one.
      const samePrincipal = principal !== undefined && principal === current.resolvedPrincipal;
      if (samePrincipal || current.resolvedBy === body.by) {
        const who = samePrincipal ? `token ${principal}` : body.by;
        return refuse(409, 'same_actor', `${body.action} must come from someone other than the responder (${who} gave the feedback)`);
      }
      if (body.action === 'reject') {
        next.rejected = (current.rejected ?? 0) + 1;
        clearFeedback(next);
        redispatch(current, next, current.department ?? router.office(), ctx);
        data.department = next.department;
        break;
      }
      next.closedAt = now;
      next.satisfaction = body.satisfaction;
      if (body.satisfaction !== undefined) data.satisfaction = body.satisfaction;
      break;
    }
    case 'review':
      // A false alarm keeps its state when reviewed, so the table cannot refuse a second review.
      if (current.reviewedAt !== undefined)
        return refuse(409, 'already_reviewed', `the incident was already reviewed at ${new Date(current.reviewedAt).toISOString()}`);
      next.reviewedAt = now;
      next.review = body.review;
      break;
    case 'reopen':
      // 返工: the department gets the case back with fresh arrive/resolve limits.
      next.reopened = current.reopened + 1;
      clearFeedback(next);
      next.closedAt = undefined;
      next.satisfaction = undefined;
      redispatch(current, next, body.department ?? current.department ?? router.office(), ctx);
      data.department = next.department;
      break;
    case 'false_alarm':
      next.falseAlarmBy = body.by;
      break;
  }
  return { ok: true, next, data };
}

function clearFeedback(next: Incident): void {
  next.resolvedAt = undefined;
  next.resolvedBy = undefined;
  next.resolvedPrincipal = undefined;
}
