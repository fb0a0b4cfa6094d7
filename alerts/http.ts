// The incident part of the HTTP API (DESIGN.md § HTTP API). Handlers are plain functions
// from a parsed request to a reply; app/ owns the server, auth and JSON I/O.
import { z } from 'zod';
import { Severity } from '../model/detection.js';
import type { TelemetrySink } from '../store/index.js';
import type { ReviewInputs } from './review-evidence.js';
import { type Principal, type Role, auditOf, inScope, scopeOf } from './access.js';
import { ActionBody } from './actions.js';
import { refusalOf } from './authority.js';
import { DEFAULT_INCIDENT_LIMIT, type Incident, IncidentState, MAX_INCIDENT_LIMIT } from '../model/incident.js';
import type { IncidentService } from './incidents.js';
import { type IntakeRouteDeps, intakeRoute } from './intake-http.js';
import { buildReview, renderReviewMarkdown } from './review.js';
import { issuesOf } from '../model/issues.js';

export interface Request {
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON body (undefined for GET). */
  body: unknown;
  /** Who the bearer token says is calling (absent on public routes and in unit tests). */
  principal?: Principal;
}
export interface Reply {
  status: number;
  body: unknown;
  /** Defaults to JSON. */
  contentType?: string;
  /** Extra response headers (e.g. Retry-After with a 429). */
  headers?: Record<string, string>;
}
export interface Route {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  handler: (req: Request) => Reply | Promise<Reply>;
  /** Least role allowed; default `viewer` for GET, `admin` for anything else. */
  role?: Role;
  /** A `reporter` token may call it too (DESIGN: a reporter may only POST /api/incidents). */
  reporters?: boolean;
}

type Issue = { path: string; message: string };
/** The error shape of the Contracts: `{"error": {code, message, issues?}}`. */
export const errorReply = (status: number, code: string, message: string, issues?: Issue[]): Reply => ({
  status,
  body: { error: { code, message, ...(issues ? { issues } : {}) } },
});
export const zodIssues = (e: z.ZodError): Issue[] => issuesOf(e, { root: '(body)' });

const csv = <T extends z.ZodType<string, string>>(item: T) =>
  z
    .string()
    .transform((s) => s.split(',').filter(Boolean))
    .pipe(z.array(item));

const ListQuery = z.object({
  state: csv(IncidentState).optional(),
  severity: csv(Severity).optional(),
  category: z.string().min(1).optional(),
  grid: z.string().min(1).optional(),
  district: z.string().min(1).optional(),
  since: z.union([z.coerce.number().int().nonnegative(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]).optional(),
  limit: z.coerce.number().int().min(1).max(MAX_INCIDENT_LIMIT).default(DEFAULT_INCIDENT_LIMIT),
});

export interface IncidentRouteDeps extends Pick<IntakeRouteDeps, 'intake' | 'limit'> {
  incidents: IncidentService;
  telemetry: TelemetrySink;
  clock?: () => number;
  /** The coordination office (一办): its scope also sees every escalated or overdue case. */
  office?: string;
  /** A case's frozen evidence, computed suggestion and adopted rule versions (docs/reviews.md). */
  reviewInputs?: (incident: Incident) => Promise<ReviewInputs>;
}

/** Routes under /api/incidents. */
export function incidentRoutes({
  incidents,
  telemetry,
  clock = Date.now,
  office = '',
  intake,
  limit,
  reviewInputs,
}: IncidentRouteDeps): Route[] {
  // Out of a department-scoped caller's scope reads as unknown (404): it does not learn the id exists.
  const withTimeline = (id: string, principal?: Principal) => {
    const incident = incidents.get(id);
    return incident && inScope(principal, scopeOf(incident, office)) ? { ...incident, timeline: incidents.timeline(id) } : undefined;
  };
  return [
    {
      method: 'GET',
      path: '/api/incidents',
      handler: ({ query, principal }) => {
        const q = ListQuery.safeParse(Object.fromEntries(query));
        if (!q.success) return errorReply(400, 'bad_query', 'invalid query', zodIssues(q.error));
        const department = principal?.department;
        const visibleTo = department === undefined ? undefined : { department, office: department === office };
        return { status: 200, body: { incidents: incidents.list({ ...q.data, visibleTo }) } };
      },
    },
    intakeRoute({ incidents, intake, limit }),
    {
      method: 'GET',
      path: '/api/incidents/:id',
      handler: ({ params, principal }) => {
        const found = withTimeline(params.id!, principal);
        return found ? { status: 200, body: found } : errorReply(404, 'not_found', `no incident ${params.id}`);
      },
    },
    {
      method: 'POST',
      path: '/api/incidents/:id/actions',
      role: 'operator',
      handler: ({ params, body, principal }) => {
        const b = ActionBody.safeParse(body);
        if (!b.success) return errorReply(400, 'bad_request', 'invalid action', zodIssues(b.error));
        const current = incidents.get(params.id!);
        if (!current) return errorReply(404, 'not_found', `no incident ${params.id}`);
        const refused = refusalOf(principal, current, b.data, office);
        if (refused) return errorReply(refused.status, refused.code, refused.message);
        const r = incidents.act(params.id!, b.data, auditOf(principal));
        if (!r.ok) return errorReply(r.status, r.code, r.message, r.issues);
        // 回访: the link exists only in this answer (its token is stored hashed), for the hotline to send.
        const updated = withTimeline(r.incident.id);
        return { status: 200, body: r.followUp && updated ? { ...updated, followUp: { ...updated.followUp, ...r.followUp } } : updated };
      },
    },
    {
      method: 'GET',
      path: '/api/incidents/:id/review',
      handler: async ({ params, query, principal }) => {
        const incident = incidents.get(params.id!);
        if (!incident || !inScope(principal, scopeOf(incident, office))) return errorReply(404, 'not_found', `no incident ${params.id}`);
        const record = await buildReview(incident, incidents.timeline(incident.id), telemetry, clock(), await reviewInputs?.(incident));
        const format = query.get('format') ?? 'json';
        if (format === 'md') return { status: 200, body: renderReviewMarkdown(record), contentType: 'text/markdown; charset=utf-8' };
        if (format !== 'json')
          return errorReply(400, 'bad_query', 'format must be json or md', [{ path: 'format', message: `unknown format ${format}` }]);
        return { status: 200, body: record };
      },
    },
  ];
}
