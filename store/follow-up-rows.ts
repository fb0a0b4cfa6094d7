// A 回访 follow-up link as both stores keep it: one row per link, times in ms, keyed by the
// SHA-256 of its token.
import type { FollowUpLink } from '../model/index.js';

export interface FollowUpRow {
  token_hash: string;
  incident_id: string;
  created_at: number;
  expires_at: number;
  answered_at: number | null;
  superseded_at: number | null;
}

export const toFollowUpLink = (r: FollowUpRow): FollowUpLink => ({
  tokenHash: r.token_hash,
  incidentId: r.incident_id,
  createdAt: r.created_at,
  expiresAt: r.expires_at,
  ...(r.answered_at === null ? {} : { answeredAt: r.answered_at }),
  ...(r.superseded_at === null ? {} : { supersededAt: r.superseded_at }),
});
