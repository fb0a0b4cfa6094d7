// RuleVersionStore on SQLite: every change of a rule as a numbered version (author, time, the
// rule as written, a field diff), and the rule set PUT over the API when the rule file cannot
// be written, loaded over the file at start.
import type { Database } from 'better-sqlite3';
import type { RuleVersion, RuleVersionStore } from './types.js';

/** The rule history and the stored rule set (store migration 7). */
export const RULE_VERSIONS_SQL = `
  CREATE TABLE rule_versions (
    rule_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    ts      INTEGER NOT NULL,
    author  TEXT NOT NULL,
    body    TEXT NOT NULL,
    PRIMARY KEY (rule_id, version)
  );
  CREATE TABLE rule_set_override (
    id        INTEGER PRIMARY KEY CHECK (id = 1),
    ts        INTEGER NOT NULL,
    author    TEXT NOT NULL,
    file_hash TEXT NOT NULL,
    body      TEXT NOT NULL
  );
`;

type Row = { rule_id: string; version: number; ts: number; author: string; body: string };

/** Build the SQLite RuleVersionStore over an open, migrated database. */
export function createSqliteRuleVersionStore(db: Database): RuleVersionStore {
  const insert = db.prepare('INSERT INTO rule_versions (rule_id, version, ts, author, body) VALUES (?, ?, ?, ?, ?)');
  const last = db.prepare<[string], Row>('SELECT * FROM rule_versions WHERE rule_id = ? ORDER BY version DESC LIMIT 1');
  const all = db.prepare<[string], Row>('SELECT * FROM rule_versions WHERE rule_id = ? ORDER BY version');
  const atTime = db.prepare<[string, number], Row>(
    'SELECT * FROM rule_versions WHERE rule_id = ? AND ts <= ? ORDER BY version DESC LIMIT 1',
  );
  const latestAll = db.prepare<[], Row>(`
    SELECT v.* FROM rule_versions v
    JOIN (SELECT rule_id, max(version) AS version FROM rule_versions GROUP BY rule_id) m USING (rule_id, version)`);
  const getOverride = db.prepare<[], { ts: number; author: string; file_hash: string; body: string }>(
    'SELECT * FROM rule_set_override WHERE id = 1',
  );
  const setOverride = db.prepare(`
    INSERT INTO rule_set_override (id, ts, author, file_hash, body) VALUES (1, ?, ?, ?, ?)
    ON CONFLICT (id) DO UPDATE SET ts = excluded.ts, author = excluded.author, file_hash = excluded.file_hash, body = excluded.body`);
  const clearOverride = db.prepare('DELETE FROM rule_set_override');
  // Bodies were written by this module from typed values, so they are read back as such.
  const parse = (r: Row): RuleVersion => ({
    ruleId: r.rule_id,
    version: r.version,
    time: r.ts,
    author: r.author,
    ...(JSON.parse(r.body) as Pick<RuleVersion, 'rule' | 'diff' | 'incidentId'>),
  });
  const append = db.transaction((entries: ReadonlyArray<Omit<RuleVersion, 'version'>>) =>
    entries.map((e) => {
      const version = (last.get(e.ruleId)?.version ?? 0) + 1;
      insert.run(
        e.ruleId,
        version,
        e.time,
        e.author,
        JSON.stringify({ rule: e.rule, diff: e.diff, ...(e.incidentId ? { incidentId: e.incidentId } : {}) }),
      );
      return { ...e, version };
    }),
  );
  return {
    append: (entries) => append(entries),
    latest: (ruleId) => {
      const r = last.get(ruleId);
      return r ? parse(r) : undefined;
    },
    latestOfEach: () => latestAll.all().map(parse),
    list: (ruleId) => all.all(ruleId).map(parse),
    at: (ruleId, ts) => {
      const r = atTime.get(ruleId, ts);
      return r ? parse(r) : undefined;
    },
    override: () => {
      const r = getOverride.get();
      return r ? { time: r.ts, author: r.author, fileHash: r.file_hash, rules: JSON.parse(r.body) as unknown[] } : undefined;
    },
    setOverride: (o) => void setOverride.run(o.time, o.author, o.fileHash, JSON.stringify(o.rules)),
    clearOverride: () => void clearOverride.run(),
  };
}
