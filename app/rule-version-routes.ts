// GET /api/rules/{id}/versions (DESIGN § HTTP API): a rule's history, oldest first.
import { errorReply, type Route } from '../alerts/index.js';
import type { RuleSetHolder } from '../rules/index.js';
import type { RuleHistory } from './rule-history.js';

/** The rule history routes. */
export function ruleVersionRoutes({ history, rules }: { history: RuleHistory; rules: RuleSetHolder }): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/rules/:id/versions',
      handler: ({ params }) => {
        const versions = history.versions(params.id!);
        const running = rules.written().some((r) => (r as { id?: unknown }).id === params.id);
        if (!versions.length && !running) return errorReply(404, 'not_found', `no rule ${params.id}`);
        return {
          status: 200,
          body: versions.map((v) => ({
            version: v.version,
            author: v.author,
            time: new Date(v.time).toISOString(),
            rule: v.rule,
            diff: v.diff,
          })),
        };
      },
    },
  ];
}
