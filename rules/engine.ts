// The rule engine: one operator per enabled rule over a shared reading stream, merged into
// one stream of detections. Rules run side by side and fail alone. Each rule's per-key
// states sit in a Map the engine keeps, so a reload leaves unchanged rules untouched and
// the states can be saved (`snapshot`) and brought back after a restart (`restore`).
import { asyncScheduler, catchError, EMPTY, Observable, Subject, type SchedulerLike, type Subscription } from 'rxjs';
import type { Reading } from '../ingest/schemas.js';
import type { Detection } from './detection.js';
import { ruleFor } from './operators/rule-for.js';
import type { RuleOperatorOptions, RuleSlot, RuleSlots } from './operators/rule-operator.js';
import type { Rule } from './schema.js';
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
  /** Every running rule's per-key state (plain JSON), for the rule-state store. */
  snapshot(): RuleStateEntry[];
  /**
   * Hand saved states to the rules they belong to (same id, version and hash); they are used
   * when those rules next start (call before `detections`). Returns how many were taken.
   */
  restore(entries: readonly RuleStateEntry[]): number;
}

interface Running { rule: Rule; sub: Subscription; slots: RuleSlots }

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
      // A plain Subject, fed only once every rule is subscribed, so a synchronous source
      // reaches all rules (share() would let the first rule drain it).
      const hub = new Subject<Reading>();
      const running = new Map<string, Running>();

      const start = (key: string, rule: Rule): Running | undefined => {
        const slots = pending.get(key) ?? new Map<string, RuleSlot>();
        pending.delete(key);
        try {
          const sub = hub
            .pipe(
              ruleFor(rule, scheduler, { ...base, slots }),
              catchError((err: unknown) => {
                onError(err, { ruleId: rule.id }); // this rule stops; the others go on
                return EMPTY;
              }),
            )
            .subscribe((d) => subscriber.next(d));
          return { rule, sub, slots };
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
      };

      reconcile(current);
      runs.add(reconcile);
      live.add(running);
      const source = readings$.subscribe({
        next: (r) => hub.next(r),
        error: (err: unknown) => subscriber.error(err),
        complete: () => {
          hub.complete();
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
        for (const [hash, { rule, slots }] of running) {
          for (const [key, slot] of slots) {
            out.push({ ruleId: rule.id, ruleVersion: rule.version, ruleHash: hash, key, state: slot.state, ...(slot.wakeAt !== undefined ? { wakeAt: slot.wakeAt } : {}) });
          }
        }
      }
      return out;
    },
    restore(entries) {
      const known = new Map(current.map((r) => [ruleHash(r), r]));
      const next = new Map<string, RuleSlots>();
      let taken = 0;
      for (const e of entries) {
        const rule = known.get(e.ruleHash);
        if (!rule || rule.id !== e.ruleId || rule.version !== e.ruleVersion) continue;
        const slots = next.get(e.ruleHash) ?? new Map<string, RuleSlot>();
        slots.set(e.key, e.wakeAt === undefined ? { state: e.state } : { state: e.state, wakeAt: e.wakeAt });
        next.set(e.ruleHash, slots);
        taken++;
      }
      pending = next;
      return taken;
    },
  };
}
