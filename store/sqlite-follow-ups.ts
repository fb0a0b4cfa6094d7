// FollowUpStore on SQLite: one row per 回访 link, keyed by the SHA-256 of its token.
import type { Database } from 'better-sqlite3';
import { toFollowUpLink as toLink, type FollowUpRow as Row } from './follow-up-rows.js';
import type { FollowUpStore } from './types.js';

/** Build the SQLite FollowUpStore over an open, migrated database. */
export function createSqliteFollowUpStore(db: Database): FollowUpStore {
  const insert = db.prepare('INSERT INTO follow_ups (token_hash, incident_id, created_at, expires_at) VALUES (?, ?, ?, ?)');
  const one = db.prepare<[string], Row>('SELECT * FROM follow_ups WHERE token_hash = ?');
  // The WHERE is the guard: of two answers racing for one link, only one changes the row.
  const answer = db.prepare('UPDATE follow_ups SET answered_at = ? WHERE token_hash = ? AND answered_at IS NULL');
  const supersede = db.prepare(
    'UPDATE follow_ups SET superseded_at = ? WHERE incident_id = ? AND answered_at IS NULL AND superseded_at IS NULL',
  );
  return {
    insert: (l) => void insert.run(l.tokenHash, l.incidentId, l.createdAt, l.expiresAt),
    byHash: (hash) => {
      const r = one.get(hash);
      return r ? toLink(r) : undefined;
    },
    markAnswered: (hash, at) => answer.run(at, hash).changes === 1,
    supersede: (incidentId, at) => supersede.run(at, incidentId).changes,
  };
}
