// POST /api/incidents (DESIGN.md § HTTP API): a manual report, from an operator or a `reporter`
// token (the 12345 hotline, a citizen app). 201 with the new incident; 200 with the open case it
// joined (`merged: true`); 429 with Retry-After past a reporter token's rate.
import { ManualReport } from './actions.js';
import { auditOf } from './access.js';
import { type Reply, type Route, errorReply, zodIssues } from './http.js';
import type { Incident } from '../model/incident.js';
import type { IncidentService } from './incidents.js';
import type { Intake } from './intake-service.js';

export interface IntakeRouteDeps {
  incidents: Pick<IncidentService, 'report' | 'get' | 'timeline'>;
  /** Joins reports to open cases nearby; without it every report opens a case. */
  intake?: Intake;
  /** The rate of each reporter token (app/report-limit.ts); other roles are not limited here. */
  limit?: (key: string) => { ok: true } | { ok: false; retryAfterS: number };
}

/** The report route. */
export function intakeRoute({ incidents, intake, limit }: IntakeRouteDeps): Route {
  return {
    method: 'POST',
    path: '/api/incidents',
    role: 'operator',
    reporters: true,
    handler: ({ body, principal }) => {
      const refused = principal?.role === 'reporter' ? rateRefusal(limit?.(principal.name)) : undefined;
      if (refused) return refused;
      const r = ManualReport.safeParse(body);
      if (!r.success) return errorReply(400, 'bad_request', 'invalid report', zodIssues(r.error));
      const audit = auditOf(principal);
      const joins = intake !== undefined && principal !== undefined && intake.joinsFor(principal.role);
      const { incident, merged } = joins ? intake.report(r.data, audit) : { incident: incidents.report(r.data, audit), merged: false };
      const found = incidents.get(incident.id) ?? incident;
      const status = merged ? 200 : 201;
      // A reporter (a citizen app) learns which case it joined, not the case file: no timeline, no other reporters.
      if (principal?.role === 'reporter') return { status, body: { ...receipt(found), merged } };
      // An operator gets the case back even when it is routed to a department outside its scope.
      return { status, body: { ...found, timeline: incidents.timeline(incident.id), merged } };
    },
  };
}

/** What a reporter token is told of the case its report opened or joined. */
const receipt = (i: Incident) => ({
  id: i.id,
  state: i.state,
  category: i.category,
  severity: i.severity,
  title: i.title,
  createdAt: i.createdAt,
  reportCount: i.reportCount ?? 1,
});

function rateRefusal(verdict: ReturnType<NonNullable<IntakeRouteDeps['limit']>> | undefined): Reply | undefined {
  if (!verdict || verdict.ok) return undefined;
  return {
    ...errorReply(429, 'too_many_reports', `too many reports from this token; retry after ${verdict.retryAfterS} s`),
    headers: { 'retry-after': String(verdict.retryAfterS) },
  };
}
