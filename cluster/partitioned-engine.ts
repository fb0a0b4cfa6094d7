// The rules of a cluster node: one rule engine per owned partition, each with its partition's
// share of the rule set, behind the one RuleEngine face the rest of the service knows (the rule
// set holder's hot reload, PUT /api/rules, the alert path's release).
//
// A rule's key decides its partition: a rule keyed by grid (kind `correlate`, the area rules)
// runs in the area partitions, whose readings are published by grid; every other rule is keyed by
// device and runs in the device partitions. So all the readings a key's state depends on reach
// the one node that holds that state.
import { EMPTY, type Observable } from 'rxjs';
import type { Detection, Reading } from '../model/index.js';
import type { ChangedSlot, Rule, RuleEngine, RuleStateEntry } from '../rules/index.js';

/** Rules keyed by grid: their readings go to the area partitions. */
export const isAreaRule = (rule: Pick<Rule, 'kind'>): boolean => rule.kind === 'correlate';

/** A partition's share of the rules: `a…` partitions take the area rules, the others the rest. */
export function rulesOfPartition(name: string, rules: readonly Rule[]): Rule[] {
  const area = name.startsWith('a');
  return rules.filter((r) => isAreaRule(r) === area);
}

export interface PartitionedEngine {
  /** The face for the rule set holder and the alert path (release); it runs no stream itself. */
  readonly engine: RuleEngine;
  /** A new engine for a partition taken, with its share of the current rules. */
  open(name: string): RuleEngine;
  /** Forget a partition's engine (stopped, or lost). */
  close(name: string): void;
  /** Whether any enabled rule is keyed by grid: readings then also go to the area partitions. */
  hasAreaRules(): boolean;
}

/** `create` makes an engine for a set of rules (createRuleEngine with the service's options). */
export function createPartitionedEngine(initial: readonly Rule[], create: (rules: Rule[]) => RuleEngine): PartitionedEngine {
  let rules = [...initial];
  const engines = new Map<string, RuleEngine>();
  const engine: RuleEngine = {
    detections: (): Observable<Detection> => EMPTY,
    rules: () => rules,
    setRules(next) {
      rules = [...next];
      for (const [name, e] of engines) e.setRules(rulesOfPartition(name, rules));
    },
    snapshot: () => [...engines.values()].flatMap((e) => e.snapshot()),
    // Each partition saves its own slots with its checkpoint: the node-wide saver has none to take.
    takeChanged: (): Iterator<ChangedSlot> => [][Symbol.iterator](),
    liveRuleHashes: () => [...new Set([...engines.values()].flatMap((e) => e.liveRuleHashes()))],
    restore: (_entries: readonly RuleStateEntry[]) => 0,
    release: (ruleId, key) => [...engines.values()].some((e) => e.release(ruleId, key)),
  };
  return {
    engine,
    open(name) {
      const e = create(rulesOfPartition(name, rules));
      engines.set(name, e);
      return e;
    },
    close: (name) => void engines.delete(name),
    hasAreaRules: () => rules.some((r) => r.enabled && isAreaRule(r)),
  };
}

/** The readings an area partition is fed: only those with a grid. */
export const hasGrid = (r: Reading): boolean => r.grid !== undefined;
