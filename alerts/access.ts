// Who may do what with incidents (issue #8): roles in rank order, and department scoping.
// app/auth.ts turns a bearer token into a Principal; the handlers here only ask these questions.
import { z } from 'zod';

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

/** Whether `principal` may see an incident of `department`; no principal means an internal caller. */
export function inScope(principal: Principal | undefined, department: string | undefined): boolean {
  return principal?.department === undefined || principal.department === department;
}

/** The department a log message (`alert` or `incident`) belongs to, for scoping the stream. */
export type DepartmentOf = (message: Record<string, unknown>) => string | undefined;

/** The audit fields put into an incident event's `data`: who was authenticated when `by` acted. */
export const auditOf = (principal: Principal | undefined): Record<string, string> | undefined =>
  principal ? { principal: principal.name, role: principal.role } : undefined;
