// A suggestion computed from data (优化): for a false alarm, the smallest change of one setting
// of the rule (suggestion-knobs.ts) under which this case would not have raised while every true
// case of the same rule that the rule as it fired still raises on replay keeps raising. Each
// candidate is replayed by the live rule operators over the cases' evidence (incident-replay.ts).
import { parseRuleSet, type Rule } from '../rules/index.js';
import type { Evidence } from './evidence.js';
import { replaySide } from './incident-replay.js';
import type { Incident } from '../model/incident.js';
import { knobsOf, type Knob } from './suggestion-knobs.js';

/** A case and its evidence. */
export interface EvidencedCase {
  incident: Incident;
  evidence: Evidence;
}

/** One setting's smallest working change, or why it has none. */
export interface KnobResult {
  path: string;
  from: string | number;
  to?: string | number;
  /** The rule as written with the change (what adopting it would install). */
  rule?: unknown;
  /** Set when no value of this setting works. */
  reason?: string;
}

export interface RuleSuggestion {
  /** One line for the record. */
  text: string;
  /** The change chosen (the smallest relative one), absent when none works. */
  change?: KnobResult;
  alternatives: KnobResult[];
  /** True cases of the rule (closed, with frozen evidence) in the look-back; how many the rule as it fired raises on replay; how many the change still raises. */
  trueIncidents: { total: number; reproduced: number; stillRaised: number };
}

/** Binary search for the smallest value on the knob's grid where `raises` turns false (monotone), or undefined. */
function smallest(knob: Knob, raises: (v: number) => boolean): number | undefined {
  let lo = knob.from;
  let hi = knob.from + knob.step;
  // Grow the range first: most useful changes are small.
  while (raises(hi)) {
    if (hi >= knob.max) return undefined;
    lo = hi;
    hi = Math.min(knob.max, knob.from + (hi - knob.from) * 4);
  }
  while (hi - lo > knob.step) {
    const mid = lo + Math.floor((hi - lo) / knob.step / 2) * knob.step;
    if (mid <= lo) break;
    if (raises(mid)) lo = mid;
    else hi = mid;
  }
  return hi;
}

const parsed = (written: unknown): Rule | undefined => {
  const r = parseRuleSet({ rules: [written] });
  return r.ok ? r.rules[0] : undefined;
};

/** Compute the suggestion for a false alarm, from its evidence and the true cases' evidence. */
export function suggestChange(falseAlarm: EvidencedCase, trueCases: readonly EvidencedCase[]): RuleSuggestion | undefined {
  const written = falseAlarm.evidence.rule?.definition as Record<string, unknown> | null | undefined;
  const current = written ? parsed(written) : undefined;
  if (!written || !current) return undefined;
  const raisesOn = (rule: Rule, c: EvidencedCase) => replaySide([rule], c.evidence, c.incident).summary.raised;
  const reproduced = trueCases.filter((c) => raisesOn(current, c));
  const counts = (stillRaised: number) => ({ total: trueCases.length, reproduced: reproduced.length, stillRaised });
  if (!raisesOn(current, falseAlarm)) {
    return {
      text: 'the rule as it fired does not raise on a replay of this evidence (state from before the window, or downsampled evidence): no change computed',
      alternatives: [],
      trueIncidents: counts(reproduced.length),
    };
  }
  const span = falseAlarm.evidence.window.to - falseAlarm.evidence.window.from;
  const results: Array<KnobResult & { relative: number }> = [];
  for (const knob of knobsOf(written, span)) {
    const ruleAt = (v: number) => parsed(knob.set(written, v));
    const v = smallest(knob, (x) => {
      const r = ruleAt(x);
      return r === undefined || raisesOn(r, falseAlarm);
    });
    if (v === undefined) {
      results.push({
        path: knob.path,
        from: knob.show(knob.from),
        reason: 'no value in range avoids this false alarm',
        relative: Infinity,
      });
      continue;
    }
    const rule = ruleAt(v)!;
    const kept = reproduced.filter((c) => raisesOn(rule, c)).length;
    // Monotone: a larger change would miss at least these true cases too.
    if (kept < reproduced.length) {
      results.push({
        path: knob.path,
        from: knob.show(knob.from),
        to: knob.show(v),
        reason: `would miss ${reproduced.length - kept} of ${reproduced.length} true incident(s)`,
        relative: Infinity,
      });
      continue;
    }
    const relative = Math.abs(v - knob.from) / Math.max(Math.abs(knob.from), knob.step);
    results.push({ path: knob.path, from: knob.show(knob.from), to: knob.show(v), rule: knob.set(written, v), relative });
  }
  const best = [...results].filter((r) => r.relative < Infinity).sort((a, b) => a.relative - b.relative)[0];
  const strip = ({ relative: _, ...r }: KnobResult & { relative: number }): KnobResult => r;
  const n = reproduced.length;
  const text = best
    ? `${best.path} ${best.from} → ${best.to}: this false alarm would not have raised; ${n} of ${n} true incident(s) of the rule in the look-back still raise (${trueCases.length} with evidence)`
    : `no single change of ${results.map((r) => r.path).join(', ') || 'a setting'} avoids this false alarm while keeping the ${n} true incident(s): ${results.map((r) => `${r.path}: ${r.reason}`).join('; ')}`;
  return {
    text,
    ...(best ? { change: strip(best) } : {}),
    alternatives: results.filter((r) => r !== best).map(strip),
    trueIncidents: counts(best ? n : 0),
  };
}
