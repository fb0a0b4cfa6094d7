// The rule engine: one operator per enabled rule over a shared reading stream, merged into
// one stream of detections. Rules run side by side and fail alone.
import { asyncScheduler, catchError, EMPTY, Observable, Subject, type SchedulerLike, type Subscription } from 'rxjs';
import type { Reading } from '../ingest/schemas.js';
import type { Detection } from './detection.js';
import { ruleFor } from './operators/rule-for.js';
import type { RuleOperatorOptions } from './operators/rule-operator.js';
import type { Rule } from './schema.js';

export interface RuleEngineOptions extends RuleOperatorOptions {
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
}

/** A rule's identity for hot swap: any change to it (version or content) makes a new rule. */
const ruleKey = (rule: Rule) => JSON.stringify(rule);

/** Create a rule engine over a validated rule set. */
export function createRuleEngine(options: RuleEngineOptions): RuleEngine {
  const scheduler = options.scheduler ?? asyncScheduler;
  const onError = options.onError ?? (() => {});
  const operatorOptions: RuleOperatorOptions = { ...(options.newId ? { newId: options.newId } : {}), onError };
  let current = [...options.rules];
  const runs = new Set<(rules: Rule[]) => void>();

  function detections(readings$: Observable<Reading>): Observable<Detection> {
    return new Observable<Detection>((subscriber) => {
      // A plain Subject, fed only once every rule is subscribed, so a synchronous source
      // reaches all rules (share() would let the first rule drain it).
      const hub = new Subject<Reading>();
      const running = new Map<string, Subscription>();

      const start = (rule: Rule): Subscription | undefined => {
        try {
          return hub
            .pipe(
              ruleFor(rule, scheduler, operatorOptions),
              catchError((err: unknown) => {
                onError(err, { ruleId: rule.id }); // this rule stops; the others go on
                return EMPTY;
              }),
            )
            .subscribe((d) => subscriber.next(d));
        } catch (err) {
          onError(err, { ruleId: rule.id });
          return undefined;
        }
      };

      const reconcile = (rules: Rule[]) => {
        const wanted = new Map(rules.filter((r) => r.enabled).map((r) => [ruleKey(r), r]));
        for (const [key, sub] of running) {
          if (!wanted.has(key)) {
            sub.unsubscribe();
            running.delete(key);
          }
        }
        for (const [key, rule] of wanted) {
          if (running.has(key)) continue;
          const sub = start(rule);
          if (sub) running.set(key, sub);
        }
      };

      reconcile(current);
      runs.add(reconcile);
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
        source.unsubscribe();
        for (const sub of running.values()) sub.unsubscribe();
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
  };
}
