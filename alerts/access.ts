// Who may do what with incidents: roles in rank order, and department scoping.
// app/auth.ts turns a bearer token into a Principal; the handlers here only ask these questions.
import { z } from 'zod';
import type { Incident } from '../model/incident.js';
import type { LogMessage } from '../model/ws.js';

/**
 * viewer reads and watches; operator also acts on incidents; admin also changes rules, silences,
 * Node-RED. reporter (the 12345 hotline, a citizen app) ranks below them all: it may only make
 * reports (a route opens itself to it with `reporters`).
 */
export const Role = z.enum(['viewer', 'operator', 'admin', 'reporter']);
export type Role = z.infer<typeof Role>;

/** The authenticated caller of an HTTP request or a /ws connection. */
export const Principal = z.object({
  /** Recorded as `principal` on every incident event it causes (audit). */
  name: z.string().min(1),
  role: Role,
  /** A department-scoped responder sees and acts only on incidents routed to this department. */
  department: z.string().min(1).optional(),
});
export type Principal = z.infer<typeof Principal>;

const RANK: Record<Role, number> = { reporter: -1, viewer: 0, operator: 1, admin: 2 };

/** True when `role` is `min` or above. */
export const roleAtLeast = (role: Role, min: Role): boolean => RANK[role] >= RANK[min];

/** Whether `principal` may see what belongs to `department` (or to any of a list); no principal means an internal caller. */
export function inScope(principal: Principal | undefined, department: string | readonly string[] | undefined): boolean {
  const own = principal?.department;
  if (own === undefined) return true;
  return typeof department === 'string' ? own === department : (department?.includes(own) ?? false);
}

/**
 * The departments that see an incident: the one it is routed to, every office its escalation
 * told or that supervises it (督办), and the coordination office (一办) once any deadline was missed.
 */
export function scopeOf(incident: Pick<Incident, 'department' | 'overdue' | 'escalation' | 'supervisedBy'>, office: string): string[] {
  const out = new Set<string>(incident.department === undefined ? [] : [incident.department]);
  for (const d of [...(incident.escalation?.notified ?? []), ...(incident.supervisedBy ?? [])]) out.add(d);
  if (incident.overdue.length > 0 || incident.escalation) out.add(office);
  return [...out];
}

/** The departments a log message (`alert` or `incident`) belongs to, for scoping the stream. */
export type DepartmentOf = (message: LogMessage) => string | readonly string[] | undefined;

/** The audit fields put into an incident event's `data`: who was authenticated when `by` acted. */
export const auditOf = (principal: Principal | undefined): Record<string, string> | undefined =>
  principal ? { principal: principal.name, role: principal.role } : undefined;
