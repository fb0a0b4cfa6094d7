// The one thin RxJS wrapper around a kind's pure logic: per device, fold readings and
// timer ticks through `step`/`tick`, and arm a timer on the scheduler at `wakeAt`.
import { randomUUID } from 'node:crypto';
import {
  asyncScheduler, defer, EMPTY, filter, groupBy, map, merge, mergeMap, scan, Subject, switchMap, takeUntil, tap, timer,
  type Observable, type OperatorFunction, type SchedulerLike,
} from 'rxjs';
import type { Reading } from '../../ingest/schemas.js';
import type { Detection } from '../detection.js';
import type { RuleLogic, StepResult } from '../logic.js';
import type { Rule } from '../schema.js';
import { compileSelect } from '../select.js';
import { toDetection } from '../to-detection.js';

/** Hooks every rule operator takes; safe defaults. */
export interface RuleOperatorOptions {
  /** Detection ids; default `crypto.randomUUID()`. */
  newId?: () => string;
  /** A reading that made the rule throw; the rule keeps its state and goes on. Default: ignore. */
  onError?: (err: unknown, context: { ruleId: string; reading?: Reading }) => void;
}

type Input = { reading: Reading } | { tick: true };

/** Run `logic` for `rule` over readings, one state per device, on `scheduler`'s clock. */
export function ruleOperator<R extends Rule, S>(
  logic: RuleLogic<R, S>,
  rule: R,
  scheduler: SchedulerLike = asyncScheduler,
  options: RuleOperatorOptions = {},
): OperatorFunction<Reading, Detection> {
  const newId = options.newId ?? randomUUID;
  const onError = options.onError ?? (() => {});
  const accepts = logic.accepts?.(rule) ?? compileSelect(rule.select);
  const safeAccepts = (reading: Reading) => {
    try {
      return accepts(reading);
    } catch (err) {
      onError(err, { ruleId: rule.id, reading });
      return false;
    }
  };

  // One fold per device. A throwing step keeps the previous state: one odd reading must not
  // reset or kill the rule for this device, let alone for the others.
  const fold = (acc: StepResult<S>, input: Input): StepResult<S> => {
    const now = scheduler.now();
    try {
      return 'reading' in input ? logic.step(rule, acc.state, input.reading, now) : logic.tick(rule, acc.state, now);
    } catch (err) {
      onError(err, { ruleId: rule.id, ...('reading' in input ? { reading: input.reading } : {}) });
      return { state: acc.state, emit: [], wakeAt: 'reading' in input ? acc.wakeAt : undefined };
    }
  };

  const perDevice = (readings$: Observable<Reading>) =>
    defer(() => {
      const wake$ = new Subject<number | undefined>();
      const done$ = new Subject<void>();
      // Each result re-arms (or cancels) the device's single timer; switchMap drops the old one.
      const ticks$ = wake$.pipe(
        switchMap((at) => (at === undefined ? EMPTY : timer(Math.max(0, at - scheduler.now()), scheduler))),
        map((): Input => ({ tick: true })),
        takeUntil(done$),
      );
      const inputs$ = readings$.pipe(
        map((reading): Input => ({ reading })),
        // When the readings end, pending timers are dropped and the device's stream completes.
        tap({ complete: () => done$.next() }),
      );
      return merge(inputs$, ticks$).pipe(
        scan(fold, { state: logic.init(rule), emit: [] } as StepResult<S>),
        tap((result) => wake$.next(result.wakeAt)),
        mergeMap((result) => result.emit),
      );
    });

  return (source) =>
    source.pipe(
      filter(safeAccepts),
      groupBy((reading) => reading.deviceId),
      mergeMap(perDevice),
      map((decision) => toDetection(rule, decision, newId())),
    );
}
