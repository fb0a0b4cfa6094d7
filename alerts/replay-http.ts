// POST /api/incidents/{id}/replay (DESIGN § HTTP API): `{"rules": [candidate rule…]}` →
// `{"current": {"detections"}, "candidate": {"detections"}}` over the case's frozen evidence,
// with when each would have raised and cleared, and a verdict.
import { z } from 'zod';
import { formatRuleIssue, parseRuleSet } from '../rules/index.js';
import type { EvidenceStore } from '../store/index.js';
import { inScope, scopeOf } from './access.js';
import { evidenceFor, firedRule } from './case-evidence.js';
import type { EvidenceSources } from './evidence.js';
import { bodyIssues } from './body-issues.js';
import { errorReply, type Route } from './http.js';
import { replayIncident } from './incident-replay.js';
import type { IncidentService } from './incidents.js';

/** The body: candidate rules, each validated as a rule file's rule is. */
export const ReplayBody = z.strictObject({ rules: z.array(z.unknown()).min(1, 'give at least one candidate rule') });

export interface ReplayRouteDeps {
  incidents: IncidentService;
  evidence: EvidenceStore;
  sources: EvidenceSources;
  clock: () => number;
  office?: string;
}

/** The replay route. */
export function replayRoutes({ incidents, evidence, sources, clock, office = '' }: ReplayRouteDeps): Route[] {
  return [
    {
      method: 'POST',
      path: '/api/incidents/:id/replay',
      role: 'operator',
      handler: async ({ params, body, principal }) => {
        const b = ReplayBody.safeParse(body);
        if (!b.success) return errorReply(400, 'bad_request', 'invalid replay', bodyIssues(b.error));
        const candidate = parseRuleSet(b.data);
        if (!candidate.ok) {
          const issues = candidate.issues.map((i) => ({ path: i.path || 'rules', message: formatRuleIssue(i) }));
          return errorReply(400, 'invalid_rules', `candidate refused (${issues.length} error(s))`, issues);
        }
        const incident = incidents.get(params.id!);
        if (!incident || !inScope(principal, scopeOf(incident, office))) return errorReply(404, 'not_found', `no incident ${params.id}`);
        const { evidence: ev, label } = await evidenceFor(incident, incidents.timeline(incident.id), {
          store: evidence,
          sources,
          now: clock(),
        });
        const current = firedRule(ev);
        if (!current)
          return errorReply(
            409,
            'no_rule',
            `incident ${incident.id} was not raised by a rule that is known (a manual report, or a rule no longer stored)`,
          );
        const result = replayIncident(incident, ev, [current], candidate.rules);
        result.evidence.status = label;
        return { status: 200, body: result };
      },
    },
  ];
}
