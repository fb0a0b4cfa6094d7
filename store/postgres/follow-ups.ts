// FollowUpStore on PostgreSQL: one row per 回访 link, keyed by the SHA-256 of its token.
import { toFollowUpLink as toLink, type FollowUpRow as Row } from '../follow-up-rows.js';
import type { FollowUpStore } from '../types.js';
import type { SyncPg } from './sync-pg.js';

const INSERT = 'INSERT INTO follow_ups (token_hash, incident_id, created_at, expires_at) VALUES ($1, $2, $3, $4)';
const ONE = 'SELECT * FROM follow_ups WHERE token_hash = $1';
// The WHERE is the guard: of two answers racing for one link (on any nodes), one changes the row.
const ANSWER = 'UPDATE follow_ups SET answered_at = $1 WHERE token_hash = $2 AND answered_at IS NULL RETURNING 1';
const SUPERSEDE = `WITH u AS (UPDATE follow_ups SET superseded_at = $1
    WHERE incident_id = $2 AND answered_at IS NULL AND superseded_at IS NULL RETURNING 1)
  SELECT count(*) AS n FROM u`;

/** Build the PostgreSQL FollowUpStore over a migrated database. */
export function createPgFollowUpStore(db: SyncPg): FollowUpStore {
  return {
    insert: (l) => void db.query(INSERT, [l.tokenHash, l.incidentId, l.createdAt, l.expiresAt]),
    byHash: (hash) => {
      const r = db.query<Row>(ONE, [hash])[0];
      return r ? toLink(r) : undefined;
    },
    markAnswered: (hash, at) => db.query(ANSWER, [at, hash]).length === 1,
    supersede: (incidentId, at) => db.query<{ n: number }>(SUPERSEDE, [at, incidentId])[0]?.n ?? 0,
  };
}
