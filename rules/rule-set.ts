// The running rule set behind hot reload (DESIGN.md § Rules: "Rules reload on file change
// and by PUT /api/rules without dropping the state of unchanged rules"). A new set is
// validated first; an invalid one is refused with every issue and the old set keeps running.
import type { Logger } from 'pino';
import type { RuleEngine } from './engine.js';
import { formatRuleIssue, parseRuleSet, type RuleIssue, type RuleSetResult } from './schema.js';
import { loadRuleFileFromPath } from './load.js';
import { ruleHash, ruleSetHash } from './state.js';

/** What /api/health shows about the rules. */
export interface RuleSetInfo {
  /** 1 at start, +1 on every accepted reload. */
  version: number;
  hash: string;
  count: number;
  enabled: number;
  /** `file:PATH` or `api`. */
  source: string;
  loadedAt: number;
  /** The last refused reload, if any since the last accepted one. */
  lastError?: { at: number; source: string; issues: RuleIssue[] };
}

export type ReloadResult = { ok: true; info: RuleSetInfo; changed: string[]; kept: string[] } | { ok: false; issues: RuleIssue[] };

export interface RuleSetHolder {
  info(): RuleSetInfo;
  /** The rules as written (durations as strings). */
  written(): unknown[];
  /** Validate a `{"rules": [...]}` object and, when valid, swap it in; `author` goes to the rule history. */
  replace(obj: unknown, source: string, author?: string): ReloadResult;
  /** Re-read the rule file; an unreadable or invalid file keeps the running set. */
  reloadFile(path: string): Promise<ReloadResult>;
}

export interface RuleSetDeps {
  engine: RuleEngine;
  initial: Extract<RuleSetResult, { ok: true }>;
  source: string;
  clock?: () => number;
  logger?: Logger;
  /** Told of every accepted set (the rules as written), for the rule history and persistence. */
  onApplied?: (written: unknown[], source: string, author?: string) => void;
}

/** Hold the running rule set and apply reloads to the engine. */
export function createRuleSet({ engine, initial, source, clock = Date.now, logger, onApplied }: RuleSetDeps): RuleSetHolder {
  const infoOf = (r: Extract<RuleSetResult, { ok: true }>, version: number, from: string): RuleSetInfo => ({
    version,
    hash: ruleSetHash(r.rules),
    count: r.rules.length,
    enabled: r.rules.filter((x) => x.enabled).length,
    source: from,
    loadedAt: clock(),
  });
  let info = infoOf(initial, 1, source);
  let written = initial.written ?? initial.rules;

  const apply = (r: RuleSetResult, from: string, author?: string): ReloadResult => {
    if (!r.ok) {
      info = { ...info, lastError: { at: clock(), source: from, issues: r.issues } };
      logger?.warn({ source: from, issues: r.issues.map(formatRuleIssue) }, 'rule reload refused; the running set stays');
      return { ok: false, issues: r.issues };
    }
    // The file re-read with the rules already running (a save that changed nothing, or the API's
    // write-back of its own set) is no reload: the version stays.
    if (from.startsWith('file:') && !info.lastError && ruleSetHash(r.rules) === info.hash)
      return { ok: true, info, changed: [], kept: r.rules.map((x) => x.id) };
    const before = new Set(engine.rules().map(ruleHash));
    const kept = r.rules.filter((x) => before.has(ruleHash(x))).map((x) => x.id);
    const changed = r.rules.filter((x) => !before.has(ruleHash(x))).map((x) => x.id);
    engine.setRules(r.rules);
    info = infoOf(r, info.version + 1, from);
    written = r.written ?? r.rules;
    logger?.info({ source: from, version: info.version, hash: info.hash, kept, changed }, 'rules reloaded');
    try {
      onApplied?.(written, from, author);
    } catch (err) {
      // The set runs already; a history or write-back that failed is logged, not undone.
      logger?.error({ err, source: from }, 'rule set applied, but its versions or write-back failed');
    }
    return { ok: true, info, changed, kept };
  };

  return {
    info: () => info,
    written: () => written,
    replace: (obj, from, author) => apply(parseRuleSet(obj), from, author),
    reloadFile: async (path) => apply(await loadRuleFileFromPath(path), `file:${path}`),
  };
}
