// The bounded dead-letter log (DESIGN: refusals are "kept in a bounded dead-letter log"):
// a ring that overwrites the oldest entry, so a flood of bad messages costs fixed memory.
import { z } from 'zod';
import { Issue, RejectReason } from '../model/index.js';

export const DeadLetter = z.object({
  ts: z.number(),
  topic: z.string(),
  clientId: z.string(),
  reason: RejectReason,
  issues: z.array(Issue),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

export interface DeadLetters {
  add(entry: DeadLetter): void;
  /** Newest first, at most `limit` (default: all held). */
  list(limit?: number): DeadLetter[];
  /** Entries held now (≤ capacity). */
  readonly count: number;
  /** Entries ever added, including those overwritten. */
  readonly total: number;
  readonly capacity: number;
}

/** A dead-letter ring holding the last `capacity` refusals. */
export function createDeadLetters(capacity = 1000): DeadLetters {
  if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`dead-letter capacity must be a positive integer, got ${capacity}`);
  const ring: Array<DeadLetter | undefined> = new Array(capacity);
  let total = 0;
  return {
    add(entry) {
      ring[total % capacity] = entry;
      total++;
    },
    list(limit = capacity) {
      const n = Math.min(limit, total, capacity);
      const out: DeadLetter[] = [];
      for (let i = 1; i <= n; i++) {
        const e = ring[(total - i) % capacity];
        if (e !== undefined) out.push(e);
      }
      return out;
    },
    get count() {
      return Math.min(total, capacity);
    },
    get total() {
      return total;
    },
    capacity,
  };
}
