// The rule engine: one operator per enabled rule, each fed the readings that can match its
// selector (an index by event, metric or kind), merged into one stream of detections. Rules
// run side by side and fail alone. Each rule's per-key states sit in a Map the engine keeps,
// so a reload leaves unchanged rules untouched, the states that changed can be saved
// (`takeChanged`) and brought back after a restart (`restore`).
import { asyncScheduler, catchError, EMPTY, Observable, Subject, type SchedulerLike, type Subscriber, type Subscription } from 'rxjs';
import type { Reading } from '../model/reading.js';
import type { Detection } from '../model/detection.js';
import { ruleFor } from './operators/rule-for.js';
import type { RuleOperatorOptions, RuleSlot, RuleSlots } from './operators/rule-operator.js';
import type { Rule } from './schema.js';
import { selectGate } from './select.js';
import { ruleHash, type RuleStateEntry } from './state.js';

export interface RuleEngineOptions extends Omit<RuleOperatorOptions, 'slots'> {
  rules: Rule[];
  scheduler?: SchedulerLike;
}

export interface RuleEngine {
  /** Detections of every enabled rule over `readings$`; completes when `readings$` does. */
  detections(readings$: Observable<Reading>): Observable<Detection>;
  /** The current rule set (disabled rules included). */
  rules(): Rule[];
  /**
   * Replace the rule set (validate it first). Running streams keep the state of rules that
   * did not change; changed, added or re-enabled rules start fresh, removed ones stop.
   */
  setRules(rules: Rule[]): void;
  /** Every running rule's per-key state (plain JSON). */
  snapshot(): RuleStateEntry[];
  /**
   * The running rules' slots that changed since they were last taken, each marked unchanged as
   * it is taken (restored slots count as saved). Lazy, so a saver can walk a city's slots a
   * chunk per turn of the event loop. The saver writes `slotEntry(c)` of each; one whose write
   * failed is marked changed again, so the next save takes it.
   */
  takeChanged(): Iterator<ChangedSlot>;
  /** Rules whose saved slots are still wanted: those running and those restored and yet to start. */
  liveRuleHashes(): string[];
  /**
   * Hand saved states to the rules they belong to (same id, version and hash); they are used
   * when those rules next start (call before `detections`). Returns how many were taken.
   */
  restore(entries: readonly RuleStateEntry[]): number;
  /**
   * Forget the state of `key` (a device, or a grid for area rules) in the running rule `ruleId`:
   * its next matching reading raises again. For a raise the alert path could not turn into an
   * incident. Returns whether there was such a slot.
   */
  release(ruleId: string, key: string): boolean;
}

/**
 * A rule's input: one subscriber (the rule's operator), fed directly. Node loads RxJS' ES5
 * build, whose Subject.next allocates a closure and an iterator per call, for every reading
 * and every rule it reaches.
 */
class Feed {
  private target: Subscriber<Reading> | undefined;
  readonly source = new Observable<Reading>((s) => {
    this.target = s;
    return () => {
      if (this.target === s) this.target = undefined;
    };
  });
  next(r: Reading): void {
    this.target?.next(r);
  }
  complete(): void {
    this.target?.complete();
  }
}

interface Running {
  rule: Rule;
  sub: Subscription;
  slots: RuleSlots;
  input: Feed;
  releases: Subject<string>;
}

/** A slot taken by `takeChanged`: which rule and key it belongs to, and the live slot itself. */
export interface ChangedSlot {
  rule: Rule;
  ruleHash: string;
  key: string;
  slot: RuleSlot;
}

/** What the rule-state store keeps of a slot, as it is now. */
export function slotEntry(c: ChangedSlot): RuleStateEntry {
  const { state, wakeAt } = c.slot;
  return {
    ruleId: c.rule.id,
    ruleVersion: c.rule.version,
    ruleHash: c.ruleHash,
    key: c.key,
    state,
    ...(wakeAt !== undefined ? { wakeAt } : {}),
  };
}

/**
 * Which rules a reading reaches. Rules
 * keep their order; each is behind the gate of its selector (select.ts), and a gate shared by
 * several rules is tested once per reading. A gate that throws lets the reading through, so the
 * rule's own selector meets the odd reading and reports it as before.
 */
function dispatchTable(running: Map<string, Running>): { dispatch(reading: Reading): void } {
  const inputs: Feed[] = [];
  const gateOf: number[] = [];
  const gates: Array<(r: Reading) => boolean> = [];
  const keys = new Map<string, number>();
  for (const { rule, input } of running.values()) {
    // Absence rules hear status messages too, which carry no metric or event (absence.ts).
    const gate = selectGate(rule.select, rule.kind === 'absence');
    let g = keys.get(gate.key);
    if (g === undefined) {
      g = gates.push(gate.test) - 1;
      keys.set(gate.key, g);
    }
    inputs.push(input);
    gateOf.push(g);
  }
  const pass = (g: number, r: Reading): boolean => {
    try {
      return gates[g]!(r);
    } catch {
      return true;
    }
  };
  // 0 not tested yet, 1 passed, 2 failed; reused across readings unless a rule feeds one back.
  const shared: number[] = gates.map(() => 0);
  let depth = 0;
  return {
    dispatch(r) {
      const verdict = depth === 0 ? shared.fill(0) : gates.map(() => 0);
      depth++;
      try {
        for (let i = 0; i < inputs.length; i++) {
          const g = gateOf[i]!;
          if (verdict[g] === 0) verdict[g] = pass(g, r) ? 1 : 2;
          if (verdict[g] === 1) inputs[i]!.next(r);
        }
      } finally {
        depth--;
      }
    },
  };
}

/** Create a rule engine over a validated rule set. */
export function createRuleEngine(options: RuleEngineOptions): RuleEngine {
  const scheduler = options.scheduler ?? asyncScheduler;
  const onError = options.onError ?? (() => {});
  const base: RuleOperatorOptions = { ...(options.newId ? { newId: options.newId } : {}), onError };
  let current = [...options.rules];
  const runs = new Set<(rules: Rule[]) => void>();
  const live = new Set<Map<string, Running>>();
  let pending = new Map<string, RuleSlots>();

  function detections(readings$: Observable<Reading>): Observable<Detection> {
    return new Observable<Detection>((subscriber) => {
      const running = new Map<string, Running>();
      let table = dispatchTable(running);

      const start = (key: string, rule: Rule): Running | undefined => {
        const slots = pending.get(key) ?? new Map<string, RuleSlot>();
        pending.delete(key);
        // Each rule has its own input: the dispatch below feeds it only readings that pass its gate.
        const input = new Feed();
        const releases = new Subject<string>();
        try {
          const sub = input.source
            .pipe(
              ruleFor(rule, scheduler, { ...base, slots, releases }),
              catchError((err: unknown) => {
                onError(err, { ruleId: rule.id }); // this rule stops; the others go on
                return EMPTY;
              }),
            )
            .subscribe((d) => subscriber.next(d));
          return { rule, sub, slots, input, releases };
        } catch (err) {
          onError(err, { ruleId: rule.id });
          return undefined;
        }
      };

      const reconcile = (rules: Rule[]) => {
        const wanted = new Map(rules.filter((r) => r.enabled).map((r) => [ruleHash(r), r]));
        for (const [key, run] of running) {
          if (!wanted.has(key)) {
            run.sub.unsubscribe();
            running.delete(key);
          }
        }
        for (const [key, rule] of wanted) {
          if (running.has(key)) continue;
          const run = start(key, rule);
          if (run) running.set(key, run);
        }
        table = dispatchTable(running);
      };

      reconcile(current);
      runs.add(reconcile);
      live.add(running);
      const source = readings$.subscribe({
        next: (r) => table.dispatch(r),
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          for (const run of running.values()) run.input.complete();
          subscriber.complete();
        },
      });
      return () => {
        runs.delete(reconcile);
        live.delete(running);
        source.unsubscribe();
        for (const run of running.values()) run.sub.unsubscribe();
      };
    });
  }

  return {
    detections,
    rules: () => [...current],
    setRules(rules) {
      current = [...rules];
      for (const reconcile of runs) reconcile(current);
    },
    snapshot() {
      const out: RuleStateEntry[] = [];
      for (const running of live) {
        for (const [ruleHash, { rule, slots }] of running) {
          for (const [key, slot] of slots) out.push(slotEntry({ rule, ruleHash, key, slot }));
        }
      }
      return out;
    },
    *takeChanged() {
      // Maps iterate live: a slot added meanwhile is still reached, a rule removed meanwhile may
      // still give a few slots (the saver's retain() deletes them).
      for (const running of [...live]) {
        for (const [ruleHash, { rule, slots }] of running) {
          for (const [key, slot] of slots) {
            if (!slot.changed) continue;
            slot.changed = false;
            yield { rule, ruleHash, key, slot };
          }
        }
      }
    },
    liveRuleHashes() {
      const hashes = new Set(pending.keys());
      for (const running of live) for (const hash of running.keys()) hashes.add(hash);
      return [...hashes];
    },
    restore(entries) {
      const known = new Map(current.map((r) => [ruleHash(r), r]));
      const next = new Map<string, RuleSlots>();
      let taken = 0;
      for (const e of entries) {
        const rule = known.get(e.ruleHash);
        if (!rule || rule.id !== e.ruleId || rule.version !== e.ruleVersion) continue;
        const slots = next.get(e.ruleHash) ?? new Map<string, RuleSlot>();
        slots.set(e.key, { state: e.state, wakeAt: e.wakeAt, changed: false }); // saved already
        next.set(e.ruleHash, slots);
        taken++;
      }
      pending = next;
      return taken;
    },
    release(ruleId, key) {
      let found = false;
      for (const running of live) {
        for (const run of running.values()) {
          if (run.rule.id !== ruleId || !run.slots.has(key)) continue;
          run.releases.next(key);
          found = true;
        }
      }
      return found;
    },
  };
}
