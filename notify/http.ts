// notify/'s HTTP routes: the delivery log of a case, who is on duty, and the acknowledge link.
// Handlers return replies; app/ owns the server and the auth.
import { z } from 'zod';
import { type IncidentService, type Route, errorReply, inScope, scopeOf, zodIssues } from '../alerts/index.js';
import { verifyLink } from './ack-link.js';
import type { Notifier } from './notifier.js';
import { ackPage } from './ack-page.js';

const IncidentId = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'an incident id'),
});
const DutyQuery = z.object({
  department: z.string().trim().min(1).max(128).optional(),
  at: z.iso
    .datetime({ offset: true })
    .transform((s) => Date.parse(s))
    .optional(),
});

/** GET /api/incidents/{id}/notifications and GET /api/duty (token routes). */
export function notifyRoutes(deps: { notifier: Notifier; incidents: IncidentService; office: string; clock: () => number }): Route[] {
  const { notifier, incidents, office, clock } = deps;
  return [
    {
      method: 'GET',
      path: '/api/incidents/:id/notifications',
      handler: ({ params, principal }) => {
        const p = IncidentId.safeParse(params);
        if (!p.success)
          return errorReply(
            400,
            'bad_request',
            'invalid incident id',
            zodIssues(p.error).map((i) => ({ ...i, path: 'id' })),
          );
        const incident = incidents.get(p.data.id);
        // Out of a scoped caller's departments reads as unknown, as for the case itself.
        if (!incident || !inScope(principal, scopeOf(incident, office))) return errorReply(404, 'not_found', `no incident ${p.data.id}`);
        const notifications = notifier.outbox.forIncident(incident.id).map((r) => ({
          id: r.id,
          event: r.event,
          receiver: r.receiver,
          route: r.route,
          ...(r.person ? { person: r.person } : {}),
          ...(r.notice?.step ? { step: r.notice.step } : {}),
          state: r.state,
          attempts: r.attempts,
          createdAt: new Date(r.createdAt).toISOString(),
          ...(r.state === 'pending' ? { nextAttemptAt: new Date(r.dueAt).toISOString() } : {}),
          ...(r.deliveredAt !== undefined ? { deliveredAt: new Date(r.deliveredAt).toISOString() } : {}),
          ...(r.lastError ? { lastError: r.lastError } : {}),
          ...(r.batchId !== undefined ? { sentWith: r.batchId } : {}),
        }));
        return { status: 200, body: { incidentId: incident.id, notifications } };
      },
    },
    {
      method: 'GET',
      path: '/api/duty',
      handler: ({ query }) => {
        const q = DutyQuery.safeParse(Object.fromEntries(query));
        if (!q.success) return errorReply(400, 'bad_query', 'invalid query', zodIssues(q.error));
        const at = q.data.at ?? clock();
        const departments = q.data.department ? [q.data.department] : notifier.departments();
        const duty = [];
        for (const d of departments) {
          const found = notifier.duty(d, at);
          if (!found) {
            return errorReply(
              404,
              'no_roster',
              `no duty roster for department ${d} (rosters: ${notifier.departments().join(', ') || 'none'})`,
              [{ path: 'department', message: 'no roster' }],
            );
          }
          const { roster, person, shift } = found;
          duty.push({
            department: d,
            onDuty: { name: person.name, receivers: person.receivers },
            shift: shift ? { days: shift.days, from: shift.from, to: shift.to } : null,
            deputy: roster.deputy,
            head: roster.head,
          });
        }
        return { status: 200, body: { at: new Date(at).toISOString(), duty } };
      },
    },
  ];
}

/** GET /a/{token}: acknowledge the case as the person the link was made for (no operator token; the signature is the proof). */
export function ackRoutes(deps: { notifier: Notifier; incidents: IncidentService; clock: () => number }): Route[] {
  const { notifier, incidents, clock } = deps;
  const page = (status: number, title: string, text: string) => ({
    status,
    body: ackPage(title, text),
    contentType: 'text/html; charset=utf-8',
  });
  return [
    {
      method: 'GET',
      path: '/a/:token',
      handler: ({ params }) => {
        const check = verifyLink(params.token ?? '', notifier.secret, clock());
        if (!check.ok) return page(check.status, 'Link refused', `${check.field}: ${check.message}`);
        const { i: id, p: person } = check.claims;
        const r = incidents.act(
          id,
          { action: 'acknowledge', by: person, note: 'acknowledged from the notification link' },
          { principal: `link:${person}`, via: 'notification-link' },
        );
        if (r.ok) return page(200, 'Acknowledged', `${id} is acknowledged by ${person}. 已确认接收。`);
        if (r.status === 404) return page(404, 'Unknown case', `no incident ${id}`);
        const current = incidents.get(id);
        const by = current?.acknowledgedAt ? ` at ${new Date(current.acknowledgedAt).toISOString()}` : '';
        return page(409, 'Nothing to acknowledge', `${id} is ${current?.state ?? 'unknown'}${by}: ${r.message}`);
      },
    },
  ];
}
