// What evidence is collected from, wired from the running service's parts.
import type { EvidenceSources } from '../alerts/index.js';
import { MAX_INCIDENT_LIMIT } from '../model/index.js';
import type { CaseStore, TelemetrySink } from '../store/index.js';
import type { Config } from './config.js';
import type { RuleHistory } from './rule-history.js';
import type { RulesRuntime } from './rules-runtime.js';

/** The telemetry sink, the running rule set, silences and incidents as EvidenceSources. */
export function evidenceSources(
  config: Config,
  telemetry: TelemetrySink,
  store: CaseStore,
  rules: () => { runtime: RulesRuntime; history: RuleHistory },
): EvidenceSources {
  return {
    telemetry,
    // The version in force when the case began; the running set's when no history covers it.
    ruleAt: (ruleId, at) => {
      const stored = rules().history.ruleAt(ruleId, at);
      if (stored) return stored;
      const definition = rules()
        .runtime.rules.written()
        .find((r) => (r as { id?: unknown }).id === ruleId);
      return definition === undefined ? undefined : { definition };
    },
    silences: () => store.silences.list(),
    incidentsOf: (grid, category) => store.incidents.listIncidents({ grid, category, limit: MAX_INCIDENT_LIMIT }),
    marginsMs: { before: config.review.evidenceBefore, after: config.review.evidenceAfter },
    maxReadings: config.review.evidenceMaxReadings,
  };
}
