// Alert-management routes: CAP 1.2 per incident and as an Atom feed, and silences.
import { z } from 'zod';
import { inScope } from './access.js';
import { type CapOptions, renderCap } from './cap.js';
import { renderCapFeed } from './cap-feed.js';
import { errorReply, zodIssues, type Route } from './http.js';
import { MAX_INCIDENT_LIMIT, OPEN_STATES } from '../model/incident.js';
import type { IncidentService } from './incidents.js';
import { SilenceInput, type SilenceService } from './silences.js';
import { Duration } from '../model/duration.js';

export const CAP_CONTENT_TYPE = 'application/cap+xml; charset=utf-8';

const FeedQuery = z.object({
  limit: z.coerce.number().int().min(1).max(MAX_INCIDENT_LIMIT).default(200),
  /** Closed, cancelled and reviewed incidents stay in the feed this long after their last change. */
  window: Duration.default(86_400_000),
});

const SilenceListQuery = z.object({ state: z.enum(['pending', 'active', 'expired']).optional() });
const ExpireBody = z.object({ by: z.string().trim().min(1).max(128).optional() }).optional();

export interface ManagementRouteDeps {
  incidents: IncidentService;
  silences: SilenceService;
  cap: CapOptions;
  clock?: () => number;
}

/** GET /api/incidents/:id/cap, GET /api/cap, and /api/silences (POST, GET, DELETE). */
export function managementRoutes({ incidents, silences, cap, clock = Date.now }: ManagementRouteDeps): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/incidents/:id/cap',
      handler: ({ params, principal }) => {
        const incident = incidents.get(params.id!);
        if (!incident || !inScope(principal, incident.department)) return errorReply(404, 'not_found', `no incident ${params.id}`);
        const xml = renderCap(incident, incidents.timeline(incident.id), cap);
        return xml
          ? { status: 200, body: xml, contentType: CAP_CONTENT_TYPE }
          : errorReply(404, 'not_found', `incident ${incident.id} has no CAP message`);
      },
    },
    {
      method: 'GET',
      path: '/api/cap',
      handler: ({ query, principal }) => {
        const q = FeedQuery.safeParse(Object.fromEntries(query));
        if (!q.success) return errorReply(400, 'bad_query', 'invalid query', zodIssues(q.error));
        const now = clock();
        const department = principal?.department;
        const open = incidents.list({ state: [...OPEN_STATES], limit: q.data.limit, department });
        const recent = incidents.list({ limit: q.data.limit, department }).filter((i) => i.updatedAt >= now - q.data.window);
        const byId = new Map([...open, ...recent].map((i) => [i.id, i]));
        const cases = [...byId.values()].slice(0, q.data.limit).map((incident) => ({ incident, events: incidents.timeline(incident.id) }));
        return {
          status: 200,
          body: renderCapFeed(cases, { ...cap, self: '/api/cap', now }),
          contentType: 'application/atom+xml; charset=utf-8',
        };
      },
    },
    {
      method: 'POST',
      path: '/api/silences',
      role: 'admin',
      handler: ({ body }) => {
        const b = SilenceInput.safeParse(body);
        if (!b.success) return errorReply(400, 'bad_request', 'invalid silence', zodIssues(b.error));
        const r = silences.create(b.data);
        if (!r.ok) return errorReply(400, 'bad_request', r.message, [{ path: 'endsAt', message: r.message }]);
        return { status: 201, body: r.silence };
      },
    },
    {
      method: 'GET',
      path: '/api/silences',
      handler: ({ query }) => {
        const q = SilenceListQuery.safeParse(Object.fromEntries(query));
        if (!q.success) return errorReply(400, 'bad_query', 'invalid query', zodIssues(q.error));
        return { status: 200, body: { silences: silences.list(q.data.state) } };
      },
    },
    {
      method: 'GET',
      path: '/api/silences/:id',
      handler: ({ params }) => {
        const s = silences.get(params.id!);
        return s ? { status: 200, body: s } : errorReply(404, 'not_found', `no silence ${params.id}`);
      },
    },
    {
      method: 'DELETE',
      path: '/api/silences/:id',
      role: 'admin',
      handler: ({ params, query }) => {
        const by = ExpireBody.safeParse(query.has('by') ? { by: query.get('by') } : undefined);
        if (!by.success) return errorReply(400, 'bad_query', 'invalid query', zodIssues(by.error));
        const s = silences.expire(params.id!, by.data?.by);
        return s ? { status: 200, body: s } : errorReply(404, 'not_found', `no silence ${params.id}`);
      },
    },
  ];
}
