// Rule versions and persistence (docs/rules.md § Versions). Every accepted rule set stores a
// version of each rule that changed (author: the token name, or `file` for the rule file).
// A set PUT over the API (or adopted from a review) is written back to the rule file, atomically
// (temp file + rename), when the file may be written; otherwise it is kept in the store and
// loaded over the file at start, unless the file was edited since.
import { createHash } from 'node:crypto';
import { accessSync, constants, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Logger } from 'pino';
import { stringify as toYaml } from 'yaml';
import { DEFAULT_RULES_PATH, parseRuleSet, type RuleSetResult } from '../rules/index.js';
import type { RuleVersion, RuleVersionStore } from '../store/index.js';
import { canonicalJson, jsonDiff } from './json-diff.js';

type RuleSetOk = Extract<RuleSetResult, { ok: true }>;

export interface RuleHistory {
  /** `file` when PUT writes the rule file back, `store` when the set is kept in the store. */
  readonly persistence: 'file' | 'store';
  /** The set to start with (the stored one when it is newer than the file), its rules recorded. */
  start(fromFile: RuleSetOk): RuleSetOk;
  /** For createRuleSet's onApplied: record the changed rules, and persist a set not read from the file (`api`, `adopt:INCIDENT`). */
  onApplied(written: unknown[], source: string, author?: string): void;
  versions(ruleId: string): RuleVersion[];
  /** The rule as it was at `ts` (its stored revision), for a case's evidence. */
  ruleAt(ruleId: string, ts: number): { definition: unknown; revision: number } | undefined;
}

const sha = (text: string) => createHash('sha256').update(text).digest('hex');
const idOf = (rule: unknown) => (rule as { id?: unknown }).id as string;

/** Whether `path` can be replaced by a rename: the file and its folder writable, and not the shipped demo file. */
function canWrite(path: string): boolean {
  if (resolve(path) === resolve(DEFAULT_RULES_PATH)) return false;
  try {
    accessSync(path, constants.W_OK);
    accessSync(dirname(path), constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** The rule history over a store, for the rule file at `path`. */
export function createRuleHistory(opts: { store: RuleVersionStore; path: string; clock: () => number; logger: Logger }): RuleHistory {
  const { store, path, clock } = opts;
  const logger = opts.logger.child({ stage: 'rules' });
  const persistence = canWrite(path) ? 'file' : 'store';
  const fileHash = () => {
    try {
      return sha(readFileSync(path, 'utf8'));
    } catch {
      return '';
    }
  };

  const record = (written: readonly unknown[], author: string, incidentId?: string) => {
    const latest = new Map(store.latestOfEach().map((v) => [v.ruleId, v]));
    const time = clock();
    const ids = new Set(written.map(idOf));
    const entries: Array<Omit<RuleVersion, 'version'>> = [];
    for (const rule of written) {
      const prev = latest.get(idOf(rule))?.rule ?? null;
      if (canonicalJson(prev) !== canonicalJson(rule))
        entries.push({ ruleId: idOf(rule), time, author, rule, diff: jsonDiff(prev, rule), ...(incidentId ? { incidentId } : {}) });
    }
    // A removed rule is a change too: its last version says so.
    for (const v of latest.values()) {
      if (v.rule !== null && !ids.has(v.ruleId)) entries.push({ ruleId: v.ruleId, time, author, rule: null, diff: jsonDiff(v.rule, null) });
    }
    if (entries.length) store.append(entries);
  };

  const writeFile = (written: unknown[]) => {
    const doc = { rules: written };
    const text = path.toLowerCase().endsWith('.json') ? `${JSON.stringify(doc, null, 2)}\n` : toYaml(doc);
    // The watcher reloads on the rename; it ignores the temp file, whose name differs.
    const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
    writeFileSync(tmp, text);
    renameSync(tmp, path);
  };

  const persist = (written: unknown[], author: string) => {
    if (persistence === 'file') {
      try {
        writeFile(written);
        store.clearOverride();
        return;
      } catch (err) {
        logger.warn({ err, path }, 'rule file could not be written; the rule set is kept in the store');
      }
    }
    store.setOverride({ time: clock(), author, fileHash: fileHash(), rules: written });
  };

  return {
    persistence,
    start(fromFile) {
      let set = fromFile;
      const kept = store.override();
      if (kept && kept.fileHash === fileHash()) {
        const parsed = parseRuleSet({ rules: kept.rules });
        if (parsed.ok) {
          set = parsed;
          logger.info(
            { author: kept.author, at: new Date(kept.time).toISOString() },
            'rule set from the store (PUT /api/rules), loaded over the rule file',
          );
        } else logger.warn('the stored rule set no longer validates; the rule file is used');
      } else if (kept) {
        logger.info({ path }, 'the rule file changed after the stored rule set was PUT; the file wins');
        store.clearOverride();
      }
      record(set.written ?? set.rules, kept && set !== fromFile ? kept.author : 'file');
      return set;
    },
    onApplied(written, source, author) {
      const fromFile = source.startsWith('file:');
      // `adopt:INC-…`: adopted from that case's review, which lists the version.
      record(written, author ?? (fromFile ? 'file' : source), source.startsWith('adopt:') ? source.slice('adopt:'.length) : undefined);
      if (!fromFile) persist(written, author ?? source);
      // An edit of the file replaces whatever the API set: the running set is the file's now.
      else if (persistence === 'store' && store.override()) store.clearOverride();
    },
    versions: (ruleId) => store.list(ruleId),
    ruleAt(ruleId, ts) {
      const v = store.at(ruleId, ts) ?? store.latest(ruleId);
      return v && v.rule !== null ? { definition: v.rule, revision: v.version } : undefined;
    },
  };
}
