// GET /api/evaluation (综合评价): `from`, `to` (ms epoch or ISO-8601; default the last 30 days),
// `groupBy`, `period=month`, `target` (satisfaction, default 85), `format=json|csv`.
import { z } from 'zod';
import type { CaseReader } from '../store/index.js';
import { evaluate, GROUP_BY, SATISFACTION_TARGET } from './evaluation.js';
import { evaluationCsv } from './evaluation-csv.js';
import { MAX_FORMATTABLE_MS } from './safe-format.js';
import { DEFAULT_MODEL, type EvaluationModel, describeModel } from './evaluation-model.js';
import { errorReply, zodIssues, type Route } from './http.js';

const DAY = 86_400_000;
const Instant = z.union([
  // Beyond year 9999 no ISO date can echo it back.
  z.coerce.number().int().nonnegative().max(MAX_FORMATTABLE_MS, 'must be a time before year 10000'),
  z.iso.date().transform((s) => Date.parse(`${s}T00:00:00Z`)),
  z.iso.datetime({ offset: true }).transform((s) => Date.parse(s)),
]);

const EvaluationQuery = z.object({
  from: Instant.optional(),
  to: Instant.optional(),
  groupBy: z.enum(GROUP_BY).optional(),
  period: z.enum(['month']).optional(),
  target: z.coerce.number().min(0).max(100).default(SATISFACTION_TARGET),
  format: z.enum(['json', 'csv']).default('json'),
});

/** GET /api/evaluation (综合评价) over the store's case reader; months in the city's local time; `model` = config `evaluation`. */
export function evaluationRoutes({
  cases,
  clock = Date.now,
  utcOffsetMinutes,
  model = DEFAULT_MODEL,
}: {
  cases: CaseReader;
  clock?: () => number;
  utcOffsetMinutes?: number;
  model?: EvaluationModel;
}): Route[] {
  return [
    {
      method: 'GET',
      path: '/api/evaluation',
      handler: ({ query, principal }) => {
        const q = EvaluationQuery.safeParse(Object.fromEntries(query));
        if (!q.success) return errorReply(400, 'bad_query', 'invalid query', zodIssues(q.error));
        const to = q.data.to ?? clock();
        const from = q.data.from ?? to - 30 * DAY;
        if (from >= to) return errorReply(400, 'bad_query', 'from must be before to', [{ path: 'from', message: 'from ≥ to' }]);
        // A department-scoped caller gets the figures of its own department's cases only.
        const all = cases.casesBetween(from, to);
        const mine = principal?.department === undefined ? all : all.filter((c) => c.incident.department === principal.department);
        const { rows, total } = evaluate(mine, { ...q.data, utcOffsetMinutes, model });
        if (q.data.format === 'csv')
          return { status: 200, body: evaluationCsv(rows, total, model), contentType: 'text/csv; charset=utf-8' };
        return {
          status: 200,
          body: {
            from: new Date(from).toISOString(),
            to: new Date(to).toISOString(),
            groupBy: q.data.groupBy ?? null,
            period: q.data.period ?? null,
            target: q.data.target,
            rows,
            total,
            // How each row's `composite` was scored: families, indicators, weights, categories, measures.
            families: describeModel(model),
          },
        };
      },
    },
  ];
}
