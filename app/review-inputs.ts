// What GET /api/incidents/{id}/review reads besides the incident (docs/reviews.md): the frozen
// evidence, for a false alarm the suggestion computed over it and the rule's true cases, and the
// rule versions adopted from the review.
import {
  firedRule,
  replaySide,
  reproducesLive,
  suggestChange,
  type EvidencedCase,
  type Incident,
  type IncidentService,
  type ReviewInputs,
  type RuleSuggestion,
} from '../alerts/index.js';
import type { EvidenceStore } from '../store/index.js';
import type { RuleHistory } from './rule-history.js';

/** At most this many true cases (the newest) are replayed: a suggestion is computed while the review request waits. */
const MAX_TRUE_CASES = 100;

/** Cases whose evidence a suggestion must keep raising on: closed or reviewed, never found false. */
const isTrueCase = (i: Incident) => (i.state === 'closed' || i.state === 'reviewed') && i.falseAlarmBy === undefined;

/** The review inputs of a case, the suggestion kept until its evidence or the rule's true cases change. */
export function createReviewInputs(deps: {
  evidence: EvidenceStore;
  incidents: Pick<IncidentService, 'get'>;
  history: RuleHistory;
  lookbackMs: number;
  clock: () => number;
}) {
  // A suggestion replays every true case several times: worth keeping while its inputs stand.
  const memo = new Map<string, RuleSuggestion | undefined>();
  const suggestion = (incident: Incident, evidence: NonNullable<ReviewInputs['evidence']>): RuleSuggestion | undefined => {
    const trueCases: EvidencedCase[] = deps.evidence
      .frozenOfRule(incident.ruleId!, deps.clock() - deps.lookbackMs)
      .flatMap((e) => {
        const other = e.incidentId === incident.id ? undefined : deps.incidents.get(e.incidentId);
        return other && isTrueCase(other) ? [{ incident: other, evidence: e }] : [];
      })
      .slice(-MAX_TRUE_CASES);
    const key = `${incident.id}|${evidence.frozenAt}|${trueCases.map((c) => `${c.incident.id}@${c.evidence.frozenAt}`).join(',')}`;
    if (!memo.has(key)) {
      if (memo.size >= 200) memo.delete(memo.keys().next().value!);
      memo.set(key, suggestChange({ incident, evidence }, trueCases));
    }
    return memo.get(key);
  };
  return async (incident: Incident): Promise<ReviewInputs> => {
    const evidence = deps.evidence.get(incident.id);
    const falseAlarm = incident.state === 'false_alarm' || incident.falseAlarmBy !== undefined;
    const adopted = incident.ruleId
      ? deps.history
          .versions(incident.ruleId)
          .filter((v) => v.incidentId === incident.id)
          .map(({ ruleId, version, author, time, diff }) => ({ ruleId, version, author, time, diff }))
      : [];
    const fired = evidence?.status === 'frozen' ? firedRule(evidence) : undefined;
    const side = fired && evidence ? replaySide([fired], evidence, incident) : undefined;
    return {
      ...(evidence ? { evidence } : {}),
      ...(side && evidence ? { replay: { ...side.summary, reproducesLive: reproducesLive(side, evidence, incident) } } : {}),
      ...(falseAlarm && incident.ruleId && evidence?.status === 'frozen' ? { suggestion: suggestion(incident, evidence) } : {}),
      ...(adopted.length ? { adopted } : {}),
    };
  };
}
