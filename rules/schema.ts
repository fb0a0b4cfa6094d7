// The rule file `{"rules": [...]}` (DESIGN.md § Rules): one zod union over the kinds, and a
// parser whose every issue names the rule (index and id) and the path inside it.
import { z } from 'zod';
import { AbsenceRule } from './absence.js';
import { CorrelateRule } from './correlate.js';
import { EventRule } from './event.js';
import { GeofenceRule } from './geofence.js';
import { RateRule } from './rate.js';
import { ThresholdRule } from './threshold.js';
import { WindowRule } from './window.js';

// Adding a kind: a new kind file (schema + pure logic), one member here, one entry in
// operators/rule-for.ts (the compiler points at it).
export const Rule = z.discriminatedUnion('kind', [
  ThresholdRule,
  RateRule,
  WindowRule,
  EventRule,
  AbsenceRule,
  GeofenceRule,
  CorrelateRule,
]);
export type Rule = z.infer<typeof Rule>;
/** A rule as written in the file (durations as strings). */
export type RuleInput = z.input<typeof Rule>;
export type RuleKind = Rule['kind'];

export const RULE_KINDS: readonly RuleKind[] = Rule.options.map((o) => o.shape.kind.value);

export const RuleSet = z.object({ rules: z.array(Rule) });
export type RuleSet = z.infer<typeof RuleSet>;

/** One problem in a rule file; `path` is the full path, e.g. `rules[2].levels[0].above`. */
export interface RuleIssue {
  ruleId?: string;
  ruleIndex?: number;
  path: string;
  message: string;
}

/** `written`: the rules as they were written (durations as strings), for GET /api/rules. */
export type RuleSetResult = { ok: true; rules: Rule[]; written?: unknown[] } | { ok: false; issues: RuleIssue[] };

/** `rules[2] (water-high): above: Expected number` — the issue as a rule engineer reads it. */
export function formatRuleIssue(issue: RuleIssue): string {
  if (issue.ruleIndex === undefined) return issue.path ? `${issue.path}: ${issue.message}` : issue.message;
  const prefix = `rules[${issue.ruleIndex}]`;
  const inner = issue.path.slice(prefix.length).replace(/^\./, '');
  return `${prefix}${issue.ruleId ? ` (${issue.ruleId})` : ''}: ${inner ? `${inner}: ` : ''}${issue.message}`;
}

/** ['levels', 0, 'above'] → `levels[0].above` under a prefix. */
function joinPath(prefix: string, path: readonly PropertyKey[]): string {
  return path.reduce<string>((acc, k) => (typeof k === 'number' ? `${acc}[${k}]` : `${acc}${acc ? '.' : ''}${String(k)}`), prefix);
}

function parseOne(raw: unknown, index: number): { rule?: Rule; issues: RuleIssue[] } {
  const obj = typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
  const ruleId = typeof obj?.id === 'string' ? obj.id : undefined;
  const at = (path: readonly PropertyKey[], message: string): RuleIssue => ({
    ...(ruleId ? { ruleId } : {}),
    ruleIndex: index,
    path: joinPath(`rules[${index}]`, path),
    message,
  });
  if (!obj) return { issues: [at([], 'a rule must be an object')] };
  if (!RULE_KINDS.includes(obj.kind as RuleKind)) {
    return { issues: [at(['kind'], `unknown kind ${JSON.stringify(obj.kind)} (expected ${RULE_KINDS.join(' | ')})`)] };
  }
  const parsed = Rule.safeParse(obj);
  if (parsed.success) return { rule: parsed.data, issues: [] };
  return {
    issues: parsed.error.issues.map((i) =>
      // Name the stray key in the path, so `abvoe` points at itself.
      i.code === 'unrecognized_keys' && i.keys.length === 1 ? at([...i.path, i.keys[0]!], 'unknown field') : at(i.path, i.message),
    ),
  };
}

/** Validate a parsed rule file object; every issue names its rule and path. */
export function parseRuleSet(obj: unknown): RuleSetResult {
  const list = (obj as { rules?: unknown } | null)?.rules;
  if (typeof obj !== 'object' || obj === null || !Array.isArray(list)) {
    return { ok: false, issues: [{ path: 'rules', message: 'expected an object {"rules": [...]}' }] };
  }
  const issues: RuleIssue[] = [];
  const rules: Rule[] = [];
  const seen = new Map<string, number>();
  list.forEach((raw, index) => {
    const one = parseOne(raw, index);
    issues.push(...one.issues);
    if (one.rule) rules.push(one.rule);
    // Duplicates are checked on the raw ids, so an invalid first copy still counts.
    const id = (raw as { id?: unknown } | null)?.id;
    if (typeof id !== 'string') return;
    const first = seen.get(id);
    if (first === undefined) seen.set(id, index);
    else
      issues.push({ ruleId: id, ruleIndex: index, path: `rules[${index}].id`, message: `duplicate id "${id}" (first at rules[${first}])` });
  });
  return issues.length ? { ok: false, issues } : { ok: true, rules, written: list };
}
