// RuleStateStore on PostgreSQL: the engine's rule state (rules/state.ts), one row per rule and
// key. A save is one multi-row upsert (unnest of one array per column), not a statement per slot.
import type { RuleStateEntry } from '../../rules/index.js';
import type { RuleStateStore } from '../types.js';
import { jsonb } from './json.js';
import type { SyncPg } from './sync-pg.js';

interface Row {
  rule_hash: string;
  key: string;
  rule_id: string;
  rule_version: number;
  wake_at: number | null;
  saved_at: number;
  state: unknown;
}

const PUT = `
  INSERT INTO rule_state (rule_hash, key, rule_id, rule_version, wake_at, saved_at, state)
  SELECT h, k, r, v, w, $6::bigint, s::jsonb FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::float8[], $7::text[]) AS u (h, k, r, v, w, s)
  ON CONFLICT (rule_hash, key) DO UPDATE SET
    rule_id = excluded.rule_id, rule_version = excluded.rule_version, wake_at = excluded.wake_at,
    saved_at = excluded.saved_at, state = excluded.state`;
const RETAIN = 'DELETE FROM rule_state WHERE rule_hash <> ALL ($1::text[])';
const ALL = 'SELECT * FROM rule_state ORDER BY rule_id, key';

/** Build the PostgreSQL RuleStateStore over a migrated database. */
export function createPgRuleStateStore(db: SyncPg): RuleStateStore {
  return {
    put(entries, savedAt) {
      // One row may be set once per statement: of two entries for a slot, the later wins (as in
      // a save written slot by slot).
      const last = new Map<string, RuleStateEntry>();
      for (const e of entries) last.set(`${e.ruleHash}\n${e.key}`, e);
      if (last.size === 0) return;
      const rows = [...last.values()];
      db.query(PUT, [
        rows.map((e) => e.ruleHash),
        rows.map((e) => e.key),
        rows.map((e) => e.ruleId),
        rows.map((e) => e.ruleVersion),
        rows.map((e) => e.wakeAt ?? null),
        savedAt,
        rows.map((e) => jsonb(e.state)),
      ]);
    },
    retain: (ruleHashes) => void db.query(RETAIN, [[...ruleHashes]]),
    load() {
      let savedAt: number | undefined;
      const entries = db.query<Row>(ALL).map((r): RuleStateEntry => {
        savedAt = Math.max(savedAt ?? r.saved_at, r.saved_at);
        return {
          ruleId: r.rule_id,
          ruleVersion: r.rule_version,
          ruleHash: r.rule_hash,
          key: r.key,
          state: r.state,
          ...(r.wake_at !== null ? { wakeAt: r.wake_at } : {}),
        };
      });
      return savedAt !== undefined ? { entries, savedAt } : { entries };
    },
  };
}
