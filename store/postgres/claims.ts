// Detections handled once across nodes: a partition's new owner reads on from its last
// checkpoint, so its rules may make again a detection the old owner already handled. Each is
// claimed by its identity in the transaction that handles it; a claim that exists already says
// it was handled, and the transaction does nothing more.
import type { DetectionClaims } from '../types.js';
import type { SyncPg } from './sync-pg.js';

/** How long a claim is kept: far longer than a partition takes to move. */
export const CLAIM_TTL_MS = 24 * 3600_000;

export function createPgDetectionClaims(db: SyncPg, now: () => number): DetectionClaims & { prune(): number } {
  return {
    claim: (id) =>
      db.query('INSERT INTO detection_claims (id, at) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING id', [id, now()]).length === 1,
    prune: () => db.query('DELETE FROM detection_claims WHERE at < $1 RETURNING id', [now() - CLAIM_TTL_MS]).length,
  };
}
