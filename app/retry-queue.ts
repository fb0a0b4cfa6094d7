// The retry core of the alert path (docs/operations.md § Durability): which item to try when, and when to
// give up. No timers and no I/O: the caller passes the time and says how each try went, so the
// policy is tested without sleeping (test/unit/app/retry-queue.test.ts).
import { z } from 'zod';

/** How hard a failing item is tried: tries in all (the first included), the backoff, and how many items may wait. */
export const RetryPolicy = z.strictObject({
  attempts: z.number().int().min(1).default(5),
  baseDelayMs: z.number().int().nonnegative().default(200),
  maxDelayMs: z.number().int().nonnegative().default(5_000),
  maxQueued: z.number().int().positive().default(1_000),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

/** The wait after the `failed`-th failed try (1, 2, …): doubling from baseDelayMs, at most maxDelayMs. */
export function backoffMs(policy: RetryPolicy, failed: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failed - 1));
}

/** Why an item is given up: its tries are spent, its error is not one a retry gets past, or no room to wait. */
export type GiveUpReason = 'exhausted' | 'not_retriable' | 'queue_full';

/** What follows a failed try: wait and try again, or give up. */
export type Verdict = { retry: true; delayMs: number } | { retry: false; reason: GiveUpReason };

/** What follows the `failed`-th failed try of an item. */
export function afterFailure(policy: RetryPolicy, failed: number, retriable: boolean): Verdict {
  if (!retriable) return { retry: false, reason: 'not_retriable' };
  if (failed >= policy.attempts) return { retry: false, reason: 'exhausted' };
  return { retry: true, delayMs: backoffMs(policy, failed) };
}

/** A key's head, due to be tried, and how many of its tries failed so far. */
export interface Due<T> {
  key: string;
  item: T;
  failed: number;
}

interface Lane<T> {
  items: T[];
  /** Failed tries of the head. */
  failed: number;
  dueAt: number;
}

/**
 * Items per key in arrival order. Only a key's head is ever tried, so a later item never
 * overtakes an earlier one of its key; keys do not wait for each other, except that after a
 * retriable failure nothing is tried until its backoff has passed (a store that fails one
 * transaction fails the next, and each try may block the thread for the store's busy timeout).
 * Bounded: at most `maxQueued` items, the ones being tried included.
 */
export class KeyedRetryQueue<T> {
  private readonly lanes = new Map<string, Lane<T>>();
  private count = 0;
  private holdUntil = -Infinity;

  constructor(readonly policy: RetryPolicy) {}

  /** Items held, heads included. */
  get size(): number {
    return this.count;
  }

  /** Add `item` behind its key's earlier items (due at once if there are none); false when full. */
  offer(key: string, item: T, now: number): boolean {
    if (this.count >= this.policy.maxQueued) return false;
    const lane = this.lanes.get(key);
    if (lane) lane.items.push(item);
    else this.lanes.set(key, { items: [item], failed: 0, dueAt: now });
    this.count++;
    return true;
  }

  /** The head to try now (earliest due first), or undefined while none is due or a backoff holds everything. */
  next(now: number): Due<T> | undefined {
    if (now < this.holdUntil) return undefined;
    let best: [string, Lane<T>] | undefined;
    for (const entry of this.lanes) if (entry[1].dueAt <= now && (!best || entry[1].dueAt < best[1].dueAt)) best = entry;
    return best && { key: best[0], item: best[1].items[0]!, failed: best[1].failed };
  }

  /** The head of `key` went through: the next of its key is due at once, and the hold ends. */
  succeeded(key: string, now: number): void {
    this.holdUntil = -Infinity;
    this.shift(key, now);
  }

  /** The head of `key` failed: due again after its backoff, or dropped (the verdict says why). */
  failed(key: string, now: number, retriable: boolean): Verdict {
    const lane = this.lanes.get(key);
    if (!lane) throw new Error(`no item of ${key} is being tried`);
    lane.failed++;
    const verdict = afterFailure(this.policy, lane.failed, retriable);
    if (retriable) this.holdUntil = now + backoffMs(this.policy, lane.failed);
    if (verdict.retry) lane.dueAt = now + verdict.delayMs;
    else this.shift(key, now);
    return verdict;
  }

  /** When something may next be due (a timer's time), or undefined when nothing waits. */
  nextWakeAt(): number | undefined {
    let at: number | undefined;
    for (const lane of this.lanes.values()) at = at === undefined ? lane.dueAt : Math.min(at, lane.dueAt);
    return at === undefined ? undefined : Math.max(at, this.holdUntil);
  }

  /** Take every item out, keys in order (at shutdown: what is left to account for). */
  drain(): Array<{ key: string; item: T }> {
    const out = [...this.lanes].flatMap(([key, lane]) => lane.items.map((item) => ({ key, item })));
    this.lanes.clear();
    this.count = 0;
    return out;
  }

  private shift(key: string, now: number): void {
    const lane = this.lanes.get(key);
    if (!lane) return;
    lane.items.shift();
    this.count--;
    if (lane.items.length === 0) this.lanes.delete(key);
    else Object.assign(lane, { failed: 0, dueAt: now });
  }
}
