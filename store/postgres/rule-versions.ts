// RuleVersionStore on PostgreSQL: every change of a rule as a numbered version, and the rule set
// PUT over the API when the rule file cannot be written. Numbers stay gapless per rule however
// many nodes append at once: an append takes its rule's advisory lock until its transaction ends.
import type { RuleVersion, RuleVersionStore } from '../types.js';
import { jsonb } from './json.js';
import type { SyncPg } from './sync-pg.js';

type Row = { rule_id: string; version: number; ts: number; author: string; body: Pick<RuleVersion, 'rule' | 'diff' | 'incidentId'> };
type OverrideRow = { ts: number; author: string; file_hash: string; body: unknown[] };

const LOCK = "SELECT pg_advisory_xact_lock(hashtext('citysense:rule_versions:' || $1))";
// A statement of its own after the lock: its snapshot then sees every version committed before.
const INSERT = `
  INSERT INTO rule_versions (rule_id, version, ts, author, body)
  SELECT $1, coalesce(max(version), 0) + 1, $2, $3, $4::jsonb FROM rule_versions WHERE rule_id = $1
  RETURNING version`;
const LAST = 'SELECT * FROM rule_versions WHERE rule_id = $1 ORDER BY version DESC LIMIT 1';
const ALL = 'SELECT * FROM rule_versions WHERE rule_id = $1 ORDER BY version';
const AT = 'SELECT * FROM rule_versions WHERE rule_id = $1 AND ts <= $2 ORDER BY version DESC LIMIT 1';
const LATEST_ALL = 'SELECT DISTINCT ON (rule_id) * FROM rule_versions ORDER BY rule_id, version DESC';
const GET_OVERRIDE = 'SELECT * FROM rule_set_override WHERE id = 1';
const SET_OVERRIDE = `
  INSERT INTO rule_set_override (id, ts, author, file_hash, body) VALUES (1, $1, $2, $3, $4::jsonb)
  ON CONFLICT (id) DO UPDATE SET ts = excluded.ts, author = excluded.author, file_hash = excluded.file_hash, body = excluded.body`;
const CLEAR_OVERRIDE = 'DELETE FROM rule_set_override';

const parse = (r: Row): RuleVersion => ({ ruleId: r.rule_id, version: r.version, time: r.ts, author: r.author, ...r.body });

/** Build the PostgreSQL RuleVersionStore over a migrated database. */
export function createPgRuleVersionStore(db: SyncPg): RuleVersionStore {
  return {
    append: (entries) =>
      db.transaction(() => {
        // Every lock first, in one order, so two nodes appending to the same rules cannot deadlock.
        for (const id of [...new Set(entries.map((e) => e.ruleId))].sort()) db.query(LOCK, [id]);
        return entries.map((e) => {
          const body = { rule: e.rule, diff: e.diff, ...(e.incidentId ? { incidentId: e.incidentId } : {}) };
          const [stored] = db.query<{ version: number }>(INSERT, [e.ruleId, e.time, e.author, jsonb(body)]);
          return { ...e, version: stored!.version };
        });
      }),
    latest: (ruleId) => {
      const r = db.query<Row>(LAST, [ruleId])[0];
      return r ? parse(r) : undefined;
    },
    latestOfEach: () => db.query<Row>(LATEST_ALL).map(parse),
    list: (ruleId) => db.query<Row>(ALL, [ruleId]).map(parse),
    at: (ruleId, ts) => {
      const r = db.query<Row>(AT, [ruleId, ts])[0];
      return r ? parse(r) : undefined;
    },
    override: () => {
      const r = db.query<OverrideRow>(GET_OVERRIDE)[0];
      return r ? { time: r.ts, author: r.author, fileHash: r.file_hash, rules: r.body } : undefined;
    },
    setOverride: (o) => void db.query(SET_OVERRIDE, [o.time, o.author, o.fileHash, jsonb(o.rules)]),
    clearOverride: () => void db.query(CLEAR_OVERRIDE),
  };
}
