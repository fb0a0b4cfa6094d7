// One rule set across the nodes: a set accepted on one node through the API or an adoption is
// sent to the others on core NATS, and each applies it as if it had been sent to it (validated
// again; its rule history, shared in PostgreSQL, records only what changed, so nothing twice).
// A node that missed the notice (down at the time) starts from the stored set like any restart.
import type { Logger } from 'pino';

export const RULES_CHANGED = 'citysense.rules.changed';

/** Where a notice from another node comes from in `source` (no notice is sent for those again). */
export const CLUSTER_SOURCE = 'cluster:';

export interface RuleBus {
  publish(subject: string, data?: string): void;
  subscribe(subject: string, opts: { callback: (err: Error | null, msg: { string(): string }) => void }): { unsubscribe(): void };
}

interface Notice {
  nodeId: string;
  rules: unknown[];
  source: string;
  author?: string;
}

export interface RuleSync {
  /** For the rule set's onApplied: tell the other nodes of a set not read from a file nor sent by them. */
  applied(written: unknown[], source: string, author?: string): void;
  close(): void;
}

export function startRuleSync(o: {
  bus: RuleBus;
  nodeId: string;
  /** Apply a set from another node (the rule set holder's replace). */
  apply: (obj: { rules: unknown[] }, source: string, author?: string) => { ok: boolean };
  logger: Logger;
}): RuleSync {
  const sub = o.bus.subscribe(RULES_CHANGED, {
    callback: (err, msg) => {
      if (err) return;
      let n: Notice;
      try {
        n = JSON.parse(msg.string()) as Notice;
      } catch {
        return;
      }
      if (n.nodeId === o.nodeId || !Array.isArray(n.rules)) return;
      const r = o.apply({ rules: n.rules }, `${CLUSTER_SOURCE}${n.nodeId}:${n.source}`, n.author);
      if (!r.ok)
        o.logger.warn({ from: n.nodeId, source: n.source }, 'a rule set from another node was refused here; the running set stays');
    },
  });
  return {
    applied(written, source, author) {
      if (source.startsWith('file:') || source.startsWith(CLUSTER_SOURCE)) return;
      o.bus.publish(RULES_CHANGED, JSON.stringify({ nodeId: o.nodeId, rules: written, source, author } satisfies Notice));
    },
    close: () => sub.unsubscribe(),
  };
}
