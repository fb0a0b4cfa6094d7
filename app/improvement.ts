// The 复盘 → 优化 (review → improvement) parts wired together (docs/reviews.md, docs/rules.md §
// Versions and § Replay): the rule history and the set it starts with, the evidence freezer, the
// review's inputs, and the routes for rule versions, replay and adoption.
import type { Logger } from 'pino';
import { replayRoutes, type IncidentService, type Route } from '../alerts/index.js';
import type { RuleSetResult } from '../rules/index.js';
import type { CaseStore, TelemetrySink } from '../store/index.js';
import { adoptRoutes } from './adopt-routes.js';
import type { Config } from './config.js';
import { createEvidenceFreezer } from './evidence-freezer.js';
import { evidenceSources } from './evidence-sources.js';
import { createReviewInputs } from './review-inputs.js';
import { createRuleHistory } from './rule-history.js';
import { ruleVersionRoutes } from './rule-version-routes.js';
import type { RulesRuntime } from './rules-runtime.js';

export interface ImprovementDeps {
  config: Config;
  store: CaseStore;
  telemetry: TelemetrySink;
  ruleFile: Extract<RuleSetResult, { ok: true }>;
  clock: () => number;
  logger: Logger;
  /** Made after this (they need its rule set and its freezer), read only once running. */
  incidents: () => IncidentService;
  rules: () => RulesRuntime;
}

/** Create the history (choosing the starting rule set), the freezer and the review inputs. */
export function createImprovement({ config, store, telemetry, ruleFile, clock, logger, incidents, rules }: ImprovementDeps) {
  const history = createRuleHistory({ store: store.ruleVersions, path: config.rules, clock, logger });
  const startRules = history.start(ruleFile);
  const sources = evidenceSources(config, telemetry, store, () => ({ runtime: rules(), history }));
  const cases = { get: (id: string) => incidents().get(id), timeline: (id: string) => incidents().timeline(id) };
  const freezer = createEvidenceFreezer({ store: store.evidence, incidents: cases, sources, clock, logger });
  const reviewInputs = createReviewInputs({
    evidence: store.evidence,
    incidents: cases,
    history,
    lookbackMs: config.review.suggestionLookback,
    clock,
  });
  return {
    history,
    startRules,
    freezer,
    reviewInputs,
    /** GET /api/rules/{id}/versions, POST /api/incidents/{id}/replay and …/adopt. */
    routes: (office: string): Route[] => [
      ...ruleVersionRoutes({ history, rules: rules().rules }),
      ...replayRoutes({ incidents: incidents(), evidence: store.evidence, sources, clock, office }),
      ...adoptRoutes({ incidents: cases, rules: rules().rules, history, reviewInputs, office }),
    ],
    stop: () => freezer.stop(),
  };
}
