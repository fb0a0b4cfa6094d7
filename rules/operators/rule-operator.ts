// The one thin RxJS wrapper around a kind's pure logic: per key (device, or grid for area
// rules), fold readings and timer ticks through `step`/`tick`, and arm one timer per key on
// the scheduler at `wakeAt`. The per-key states live in a Map the caller may own, so the
// engine can keep them across a reload and the rule-state store can save and restore them.
import { randomUUID } from 'node:crypto';
import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { Reading } from '../../model/reading.js';
import type { Detection } from '../../model/detection.js';
import type { RuleLogic, StepResult } from '../logic.js';
import type { Rule } from '../schema.js';
import { compileSelect } from '../select.js';
import { toDetection } from '../to-detection.js';

/** One key's state and pending wake-up: plain JSON, what the rule-state store keeps. */
export interface RuleSlot {
  state: unknown;
  wakeAt?: number | undefined;
  /** Changed since the rule-state saver last took it (engine.takeChanged); not saved itself. */
  changed: boolean;
}
/** Every key's slot of one running rule. */
export type RuleSlots = Map<string, RuleSlot>;

/** Hooks every rule operator takes; safe defaults. */
export interface RuleOperatorOptions {
  /** Detection ids; default `crypto.randomUUID()`. */
  newId?: () => string;
  /** A reading that made the rule throw; the rule keeps its state and goes on. Default: ignore. */
  onError?: (err: unknown, context: { ruleId: string; reading?: Reading }) => void;
  /** Where the per-key states live (default: a fresh Map). Slots with `wakeAt` arm their timer at subscribe. */
  slots?: RuleSlots;
  /**
   * Keys to start afresh: the slot goes back to the kind's initial state and its timer stops,
   * so a raise the alert path could not handle is raised again by the next matching reading.
   */
  releases?: Observable<string>;
}

/** Run `logic` for `rule` over readings, one state per key, on `scheduler`'s clock. */
export function ruleOperator<R extends Rule, S>(
  logic: RuleLogic<R, S>,
  rule: R,
  scheduler: SchedulerLike = asyncScheduler,
  options: RuleOperatorOptions = {},
): OperatorFunction<Reading, Detection> {
  const newId = options.newId ?? randomUUID;
  const onError = options.onError ?? (() => {});
  const accepts = logic.accepts?.(rule) ?? compileSelect(rule.select);
  const keyOf = logic.keyOf?.(rule) ?? ((r: Reading) => r.deviceId);
  const keyOfSafe = (reading: Reading): string | undefined => {
    try {
      return accepts(reading) ? keyOf(reading) : undefined;
    } catch (err) {
      onError(err, { ruleId: rule.id, reading });
      return undefined;
    }
  };

  return (source) =>
    new Observable<Detection>((subscriber) => {
      const slots = options.slots ?? new Map<string, RuleSlot>();
      const timers = new Map<string, { at: number; sub: Subscription }>();

      // A timer that fires no later than `at` is kept: when it fires it sees the slot's newer
      // wakeAt and re-arms for it. An absence rule moves its wake-up with every reading, and
      // rescheduling each time cost a clearInterval + setInterval per reading.
      const arm = (key: string, at: number | undefined) => {
        const timer = timers.get(key);
        if (at === undefined) {
          if (timer !== undefined) {
            timer.sub.unsubscribe();
            timers.delete(key);
          }
          return;
        }
        if (timer !== undefined && timer.at <= at) return;
        timer?.sub.unsubscribe();
        timers.set(key, { at, sub: scheduler.schedule(() => wake(key), Math.max(0, at - scheduler.now())) });
      };

      // `tick` runs only once the wake-up the logic asked for last is due.
      const wake = (key: string) => {
        timers.delete(key);
        const at = slots.get(key)?.wakeAt;
        if (at === undefined) return;
        if (at > scheduler.now()) arm(key, at);
        else apply(key, undefined);
      };

      // A throwing step keeps the previous state: one odd reading must not reset or kill the
      // rule for this key, let alone for the others.
      const apply = (key: string, reading: Reading | undefined) => {
        const slot = slots.get(key);
        const prev = (slot ? slot.state : logic.init(rule)) as S;
        const now = scheduler.now();
        let result: StepResult<S>;
        try {
          result = reading ? logic.step(rule, prev, reading, now) : logic.tick(rule, prev, now);
        } catch (err) {
          onError(err, { ruleId: rule.id, ...(reading ? { reading } : {}) });
          result = { state: prev, emit: [], ...(reading && slot?.wakeAt !== undefined ? { wakeAt: slot.wakeAt } : {}) };
        }
        // The slot is updated in place: one object per key, not one per reading. Only a slot
        // whose state or wake-up changed is saved again (a quiet reading keeps its state object).
        if (slot === undefined) slots.set(key, { state: result.state, wakeAt: result.wakeAt, changed: true });
        else if (slot.state !== result.state || slot.wakeAt !== result.wakeAt) {
          slot.state = result.state;
          slot.wakeAt = result.wakeAt;
          slot.changed = true;
        }
        arm(key, result.wakeAt);
        for (const d of result.emit) subscriber.next(toDetection(rule, d, newId(), key));
      };

      // Restored slots: a `for` timer or silence that was running goes on from where it was.
      for (const [key, slot] of slots) if (slot.wakeAt !== undefined) arm(key, slot.wakeAt);

      // Reset in place, marked changed: the saved state must forget the raise too, or a restart
      // would bring it back.
      const released = options.releases?.subscribe((key) => {
        const slot = slots.get(key);
        if (slot === undefined) return;
        slot.state = logic.init(rule);
        slot.wakeAt = undefined;
        slot.changed = true;
        arm(key, undefined);
      });

      const sub = source.subscribe({
        next: (reading) => {
          const key = keyOfSafe(reading);
          if (key !== undefined) apply(key, reading);
        },
        error: (err: unknown) => subscriber.error(err),
        // When the readings end, pending timers are dropped and the stream completes.
        complete: () => {
          for (const t of timers.values()) t.sub.unsubscribe();
          timers.clear();
          subscriber.complete();
        },
      });
      return () => {
        sub.unsubscribe();
        released?.unsubscribe();
        for (const t of timers.values()) t.sub.unsubscribe();
        timers.clear();
      };
    });
}
