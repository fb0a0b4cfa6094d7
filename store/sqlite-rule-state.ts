// RuleStateStore on SQLite: the engine's rule state (rules/state.ts), one row per rule and
// key. Each save writes only the slots that changed since the last.
import type { Database } from 'better-sqlite3';
import type { RuleStateEntry } from '../rules/index.js';
import type { RuleStateStore } from './types.js';

/** Migration 2. IF NOT EXISTS: a database that passed version 2 before this table existed gets it at open. */
export const RULE_STATE_SQL = `
  CREATE TABLE IF NOT EXISTS rule_state (
    rule_hash    TEXT NOT NULL,
    key          TEXT NOT NULL,
    rule_id      TEXT NOT NULL,
    rule_version INTEGER NOT NULL,
    wake_at      INTEGER,
    saved_at     INTEGER NOT NULL,
    state        TEXT NOT NULL,
    PRIMARY KEY (rule_hash, key)
  );
`;

interface Row {
  rule_hash: string;
  key: string;
  rule_id: string;
  rule_version: number;
  wake_at: number | null;
  saved_at: number;
  state: string;
}

/** Build the SQLite RuleStateStore over an open database. */
export function createSqliteRuleStateStore(db: Database): RuleStateStore {
  db.exec(RULE_STATE_SQL);
  // An upsert rewrites the row where it is; REPLACE would delete it and insert it again,
  // touching the key index twice and a second table page.
  const upsert = db.prepare<[string, string, string, number, number | null, number, string]>(`
    INSERT INTO rule_state (rule_hash, key, rule_id, rule_version, wake_at, saved_at, state)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (rule_hash, key) DO UPDATE SET
      rule_id = excluded.rule_id, rule_version = excluded.rule_version, wake_at = excluded.wake_at,
      saved_at = excluded.saved_at, state = excluded.state`);
  const dropRule = db.prepare<[string]>('DELETE FROM rule_state WHERE rule_hash = ?');
  const all = db.prepare<[], Row>('SELECT * FROM rule_state ORDER BY rule_id, key');
  // The rules that have rows, so retain() deletes by the primary key's prefix instead of scanning.
  const held = new Set(
    db
      .prepare<[], { rule_hash: string }>('SELECT DISTINCT rule_hash FROM rule_state')
      .all()
      .map((r) => r.rule_hash),
  );
  const put = db.transaction((entries: readonly RuleStateEntry[], savedAt: number) => {
    for (const e of entries) {
      upsert.run(e.ruleHash, e.key, e.ruleId, e.ruleVersion, e.wakeAt ?? null, savedAt, JSON.stringify(e.state));
      held.add(e.ruleHash); // a rolled-back hash here only costs retain() a DELETE of nothing
    }
  });
  const retain = db.transaction((gone: string[]) => {
    for (const hash of gone) dropRule.run(hash);
  });
  return {
    put: (entries, savedAt) => put(entries, savedAt),
    retain(ruleHashes) {
      const keep = new Set(ruleHashes);
      const gone = [...held].filter((h) => !keep.has(h));
      if (gone.length === 0) return;
      retain(gone);
      for (const h of gone) held.delete(h);
    },
    load() {
      const rows = all.all();
      let savedAt: number | undefined;
      const entries = rows.map((r): RuleStateEntry => {
        savedAt = Math.max(savedAt ?? r.saved_at, r.saved_at);
        return {
          ruleId: r.rule_id,
          ruleVersion: r.rule_version,
          ruleHash: r.rule_hash,
          key: r.key,
          // Written by this module from the engine's plain-JSON states.
          state: JSON.parse(r.state) as unknown,
          ...(r.wake_at !== null ? { wakeAt: r.wake_at } : {}),
        };
      });
      return savedAt !== undefined ? { entries, savedAt } : { entries };
    },
  };
}
