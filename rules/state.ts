// Rule state that outlives a reload or a restart: per rule, per key (device or grid), the
// kind's plain-JSON state and its pending wake-up. A saved state is restored only into the
// very same rule: same id, version and content (its hash), and the same state format.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Rule } from './schema.js';

/** Bump when any kind's state shape changes: states saved in another format are dropped. */
export const RULE_STATE_FORMAT = 2;

/** One saved slot: what `engine.snapshot()` gives and `engine.restore()` takes. */
export const RuleStateEntry = z.object({
  ruleId: z.string(),
  ruleVersion: z.number().int(),
  ruleHash: z.string(),
  key: z.string(),
  state: z.unknown(),
  wakeAt: z.number().optional(),
});
export type RuleStateEntry = z.infer<typeof RuleStateEntry>;

const sha = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);

/** A rule's identity for hot swap and restore: any change to it (version or content) makes a new rule. */
export function ruleHash(rule: Rule): string {
  // Parsed rules have a fixed key order (the schema's), so equal content gives an equal hash.
  return sha(JSON.stringify({ format: RULE_STATE_FORMAT, rule }));
}

/** The hash of a whole rule set (order matters: it is what /api/health shows). */
export function ruleSetHash(rules: readonly Rule[]): string {
  return sha(rules.map(ruleHash).join(','));
}
