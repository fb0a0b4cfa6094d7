// EvidenceStore on PostgreSQL: a case's frozen evidence as jsonb beside the incident.
import type { Evidence } from '../../model/index.js';
import type { EvidenceStore } from '../types.js';
import { jsonb } from './json.js';
import type { SyncPg } from './sync-pg.js';

type BodyRow = { body: Evidence };

const UPSERT = `
  INSERT INTO evidence (incident_id, rule_id, status, triggered_at, due_at, body) VALUES ($1, $2, $3, $4, $5, $6::jsonb)
  ON CONFLICT (incident_id) DO UPDATE SET rule_id = excluded.rule_id, status = excluded.status,
    triggered_at = excluded.triggered_at, due_at = excluded.due_at, body = excluded.body`;
// Compare-and-set on triggeredAt in one statement: a freeze that finishes after a reopen and a
// second close must not overwrite the newer case's evidence, nor store any for a close whose
// transaction rolled back (it never wrote its `freezing` row), whichever node froze it.
const PUT_IF_CURRENT = `
  UPDATE evidence SET rule_id = $2, status = $3, due_at = $4, body = $5::jsonb
  WHERE incident_id = $1 AND triggered_at = $4 RETURNING 1`;
const ONE = 'SELECT body FROM evidence WHERE incident_id = $1';
const DUE = "SELECT incident_id, due_at, triggered_at FROM evidence WHERE status IN ('freezing', 'failed') ORDER BY due_at";
const OF_RULE = "SELECT body FROM evidence WHERE rule_id = $1 AND status = 'frozen' AND triggered_at >= $2 ORDER BY triggered_at";

/** Build the PostgreSQL EvidenceStore over a migrated database. */
export function createPgEvidenceStore(db: SyncPg): EvidenceStore {
  return {
    markFreezing(e, ruleId, dueAt) {
      db.query(UPSERT, [e.incidentId, ruleId ?? e.rule?.id ?? null, e.status, e.triggeredAt, dueAt, jsonb(e)]);
    },
    putIfCurrent: (e) => db.query(PUT_IF_CURRENT, [e.incidentId, e.rule?.id ?? null, e.status, e.triggeredAt, jsonb(e)]).length === 1,
    get: (id) => db.query<BodyRow>(ONE, [id])[0]?.body,
    pending: () =>
      db
        .query<{ incident_id: string; due_at: number; triggered_at: number }>(DUE)
        .map((r) => ({ incidentId: r.incident_id, dueAt: r.due_at, triggeredAt: r.triggered_at })),
    frozenOfRule: (ruleId, since) => db.query<BodyRow>(OF_RULE, [ruleId, since]).map((r) => r.body),
  };
}
