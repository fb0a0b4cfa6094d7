// 回访: a stored follow-up link (only the token's hash, never the token).
import { z } from 'zod';

/** A stored link: never the token, only its hash. */
export const FollowUpLink = z.object({
  tokenHash: z.string(),
  incidentId: z.string(),
  createdAt: z.number(),
  expiresAt: z.number(),
  answeredAt: z.number().optional(),
  /** A later close of the same case sent a newer link. */
  supersededAt: z.number().optional(),
});
export type FollowUpLink = z.infer<typeof FollowUpLink>;
