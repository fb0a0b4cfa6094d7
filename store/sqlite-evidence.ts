// EvidenceStore on SQLite: a case's frozen evidence as JSON in the store's own file, beside
// the incident (telemetry retention prunes the telemetry file only, never this table).
import type { Database } from 'better-sqlite3';
import type { Evidence } from '../model/index.js';
import type { EvidenceStore } from './types.js';

/** The evidence table (store migration 6). */
export const EVIDENCE_SQL = `
  CREATE TABLE evidence (
    incident_id  TEXT PRIMARY KEY REFERENCES incidents (id),
    rule_id      TEXT,
    status       TEXT NOT NULL,
    triggered_at INTEGER NOT NULL,
    due_at       INTEGER NOT NULL,
    body         TEXT NOT NULL
  );
  CREATE INDEX evidence_rule ON evidence (rule_id, triggered_at);
  CREATE INDEX evidence_status ON evidence (status, due_at);
`;

/** Build the SQLite EvidenceStore over an open, migrated database. */
export function createSqliteEvidenceStore(db: Database): EvidenceStore {
  const upsert = db.prepare(`
    INSERT INTO evidence (incident_id, rule_id, status, triggered_at, due_at, body) VALUES (@incidentId, @ruleId, @status, @triggeredAt, @dueAt, @body)
    ON CONFLICT (incident_id) DO UPDATE SET rule_id = excluded.rule_id, status = excluded.status,
      triggered_at = excluded.triggered_at, due_at = excluded.due_at, body = excluded.body`);
  const one = db.prepare<[string], { body: string }>('SELECT body FROM evidence WHERE incident_id = ?');
  const due = db.prepare<[], { incident_id: string; due_at: number; triggered_at: number }>(
    "SELECT incident_id, due_at, triggered_at FROM evidence WHERE status IN ('freezing', 'failed') ORDER BY due_at",
  );
  const ofRule = db.prepare<[string, number], { body: string }>(
    "SELECT body FROM evidence WHERE rule_id = ? AND status = 'frozen' AND triggered_at >= ? ORDER BY triggered_at",
  );
  // Bodies were written by this module from typed values, so they are read back as such.
  const parse = (r: { body: string }) => JSON.parse(r.body) as Evidence;
  const put = (e: Evidence, ruleId: string | undefined, dueAt: number) =>
    upsert.run({
      incidentId: e.incidentId,
      ruleId: ruleId ?? e.rule?.id ?? null,
      status: e.status,
      triggeredAt: e.triggeredAt,
      dueAt,
      body: JSON.stringify(e),
    });
  return {
    markFreezing(e, ruleId, dueAt) {
      put(e, ruleId, dueAt);
    },
    // Compare-and-set on triggeredAt: a freeze that finishes after a reopen and a second close
    // must not overwrite the newer case's evidence, nor store any for a close whose transaction
    // rolled back (it never wrote its `freezing` row).
    putIfCurrent(e) {
      const current = one.get(e.incidentId);
      if (!current || parse(current).triggeredAt !== e.triggeredAt) return false;
      put(e, undefined, e.triggeredAt);
      return true;
    },
    get: (id) => {
      const r = one.get(id);
      return r ? parse(r) : undefined;
    },
    pending: () => due.all().map((r) => ({ incidentId: r.incident_id, dueAt: r.due_at, triggeredAt: r.triggered_at })),
    frozenOfRule: (ruleId, since) => ofRule.all(ruleId, since).map(parse),
  };
}
