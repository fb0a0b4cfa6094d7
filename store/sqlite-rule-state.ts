// RuleStateStore on SQLite: the engine's snapshot (rules/state.ts), one row per rule and
// key, replaced as a whole in one transaction so a restart never sees half of two saves.
import type { Database } from 'better-sqlite3';
import type { RuleStateEntry } from '../rules/state.js';
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
  const clear = db.prepare('DELETE FROM rule_state');
  const insert = db.prepare(`
    INSERT INTO rule_state (rule_hash, key, rule_id, rule_version, wake_at, saved_at, state)
    VALUES (@ruleHash, @key, @ruleId, @ruleVersion, @wakeAt, @savedAt, @state)`);
  const all = db.prepare<[], Row>('SELECT * FROM rule_state ORDER BY rule_id, key');
  const replace = db.transaction((entries: readonly RuleStateEntry[], savedAt: number) => {
    clear.run();
    for (const e of entries) {
      insert.run({ ruleHash: e.ruleHash, key: e.key, ruleId: e.ruleId, ruleVersion: e.ruleVersion, wakeAt: e.wakeAt ?? null, savedAt, state: JSON.stringify(e.state) });
    }
  });
  return {
    save: (entries, savedAt) => replace(entries, savedAt),
    load() {
      const rows = all.all();
      const entries = rows.map((r): RuleStateEntry => ({
        ruleId: r.rule_id, ruleVersion: r.rule_version, ruleHash: r.rule_hash, key: r.key,
        // Written by this module from the engine's plain-JSON states.
        state: JSON.parse(r.state) as unknown,
        ...(r.wake_at !== null ? { wakeAt: r.wake_at } : {}),
      }));
      return rows.length ? { entries, savedAt: rows[0]!.saved_at } : { entries };
    },
  };
}
