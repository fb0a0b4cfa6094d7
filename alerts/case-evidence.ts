// The evidence a replay or a suggestion runs over: the frozen evidence when there is some, else
// the same assembled now from live telemetry (a case still open, or one whose freeze failed).
import { parseRuleSet, type Rule } from '../rules/index.js';
import type { EvidenceStore } from '../store/index.js';
import { collectEvidence, type Evidence, type EvidenceSources } from './evidence.js';
import type { Incident, IncidentEvent } from '../model/incident.js';

/** The evidence of a case, and whether it is frozen or read live. */
export async function evidenceFor(
  incident: Incident,
  events: readonly IncidentEvent[],
  deps: { store: EvidenceStore; sources: EvidenceSources; now: number },
): Promise<{ evidence: Evidence; label: Evidence['status'] | 'live' }> {
  const stored = deps.store.get(incident.id);
  if (stored?.status === 'frozen') return { evidence: stored, label: 'frozen' };
  const ended = incident.closedAt ?? [...events].reverse().find((e) => e.type === 'false_alarm')?.ts ?? deps.now;
  const evidence = await collectEvidence(
    incident,
    events,
    ended,
    {
      ...deps.sources,
      marginsMs: { ...deps.sources.marginsMs, after: Math.max(0, Math.min(deps.sources.marginsMs.after, deps.now - ended)) },
    },
    deps.now,
  );
  return { evidence, label: stored?.status === 'freezing' ? 'freezing' : 'live' };
}

/** The rule that fired on the case, as recorded in its evidence, parsed. */
export function firedRule(evidence: Evidence): Rule | undefined {
  const parsed = evidence.rule?.definition ? parseRuleSet({ rules: [evidence.rule.definition] }) : undefined;
  return parsed?.ok ? parsed.rules[0] : undefined;
}
