// The `review` block of the configuration (docs/reviews.md): how much evidence a case keeps.
import { z } from 'zod';
import { Duration } from '../model/duration.js';

/** `review.*`: evidence margins around the case, its size limit, and how far back the suggestion looks. */
export const ReviewConfig = z.strictObject({
  /** Readings kept from this long before the first detection. */
  evidenceBefore: Duration.default(10 * 60_000),
  /** …to this long after the close (or the false alarm). */
  evidenceAfter: Duration.default(2 * 60_000),
  /** Beyond this many readings the evidence is downsampled, and says so. */
  evidenceMaxReadings: z.number().int().min(10).max(100_000).default(5_000),
  /** The true incidents of the same rule a suggestion must keep raising: those of the last this long. */
  suggestionLookback: Duration.default(30 * 86_400_000),
});
export type ReviewConfig = z.infer<typeof ReviewConfig>;
