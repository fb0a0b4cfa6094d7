// POST /api/incidents/{id}/adopt (docs/reviews.md; DESIGN names no route for it): a review
// adopts a candidate as the next version of the rule that raised the case — the computed
// suggestion when the body names no rule. Admin only. The version is stored with the reviewer
// (the token name) as author and the case's id, applied to the running rule set and persisted
// as PUT /api/rules is.
import { z } from 'zod';
import { bodyIssues, errorReply, inScope, scopeOf, type Incident, type ReviewInputs, type Route } from '../alerts/index.js';
import { formatRuleIssue, parseRuleSet, type RuleSetHolder } from '../rules/index.js';
import type { RuleHistory } from './rule-history.js';

/** The body: the rule to adopt (default: the suggestion). Why goes into the review's lessons and actions. */
export const AdoptBody = z.strictObject({
  rule: z.record(z.string(), z.unknown()).optional(),
});

/** States whose review may adopt a change: the case is over and its evidence frozen or freezing. */
const OVER = ['closed', 'reviewed', 'false_alarm'];

/** The adopt route. */
export function adoptRoutes(deps: {
  incidents: { get(id: string): Incident | undefined };
  rules: RuleSetHolder;
  history: RuleHistory;
  reviewInputs: (incident: Incident) => Promise<ReviewInputs>;
  office?: string;
}): Route[] {
  return [
    {
      method: 'POST',
      path: '/api/incidents/:id/adopt',
      role: 'admin',
      handler: async ({ params, body, principal }) => {
        const b = AdoptBody.safeParse(body ?? {});
        if (!b.success) return errorReply(400, 'bad_request', 'invalid adoption', bodyIssues(b.error));
        const incident = deps.incidents.get(params.id!);
        if (!incident || !inScope(principal, scopeOf(incident, deps.office ?? '')))
          return errorReply(404, 'not_found', `no incident ${params.id}`);
        if (!incident.ruleId) return errorReply(409, 'no_rule', `incident ${incident.id} was not raised by a rule`);
        if (!OVER.includes(incident.state))
          return errorReply(
            409,
            'not_reviewable',
            `incident ${incident.id} is ${incident.state}: adopt a change from the review of a closed case or a false alarm`,
          );
        const rule = b.data.rule ?? ((await deps.reviewInputs(incident)).suggestion?.change?.rule as Record<string, unknown> | undefined);
        if (!rule)
          return errorReply(409, 'no_suggestion', 'no rule given and no computed suggestion for this case', [
            { path: 'rule', message: 'give the rule to adopt' },
          ]);
        const parsed = parseRuleSet({ rules: [rule] });
        if (!parsed.ok) {
          return errorReply(
            400,
            'invalid_rules',
            'rule refused',
            parsed.issues.map((i) => ({ path: i.path.replace(/^rules\[0\]/, 'rule'), message: formatRuleIssue(i) })),
          );
        }
        if (rule.id !== incident.ruleId)
          return errorReply(400, 'bad_request', `the rule must be ${incident.ruleId}, the rule of this case`, [
            { path: 'rule.id', message: `expected ${incident.ruleId}` },
          ]);
        const running = deps.rules.written();
        const next = running.map((r) => ((r as { id?: unknown }).id === rule.id ? rule : r));
        if (!running.some((r) => (r as { id?: unknown }).id === rule.id)) next.push(rule);
        const author = principal?.name ?? 'api';
        const before = deps.history.versions(incident.ruleId).at(-1)?.version ?? 0;
        const r = deps.rules.replace({ rules: next }, `adopt:${incident.id}`, author);
        if (!r.ok)
          return errorReply(
            400,
            'invalid_rules',
            'the rule set with this rule is refused',
            r.issues.map((i) => ({ path: i.path, message: formatRuleIssue(i) })),
          );
        const version = deps.history.versions(incident.ruleId).at(-1);
        if (!version || version.version === before)
          return errorReply(409, 'unchanged', `the rule is already ${incident.ruleId} as running`);
        return {
          status: 200,
          body: {
            incidentId: incident.id,
            ruleId: version.ruleId,
            version: version.version,
            author: version.author,
            time: new Date(version.time).toISOString(),
            rule: version.rule,
            diff: version.diff,
            ruleSet: { version: r.info.version, hash: r.info.hash },
          },
        };
      },
    },
  ];
}
