// The alert path's retry core (app/retry-queue.ts): backoff and verdicts as tables, and the
// per-key order, the hold after a failure and the bound, on a clock the test moves by hand.
import { describe, expect, it } from 'vitest';
import { afterFailure, backoffMs, KeyedRetryQueue, RetryPolicy } from '../../../app/retry-queue.js';

const policy = RetryPolicy.parse({ attempts: 4, baseDelayMs: 100, maxDelayMs: 350, maxQueued: 3 });

describe('backoff and verdicts', () => {
  it.each([
    [1, 100],
    [2, 200],
    [3, 350], // 400, capped
    [9, 350],
  ])('after %i failed tries it waits %i ms', (failed, ms) => {
    expect(backoffMs(policy, failed)).toBe(ms);
  });

  it.each([
    [1, true, { retry: true, delayMs: 100 }],
    [3, true, { retry: true, delayMs: 350 }],
    [4, true, { retry: false, reason: 'exhausted' }],
    [1, false, { retry: false, reason: 'not_retriable' }],
  ] as const)('failed try %i, retriable %s → %j', (failed, retriable, verdict) => {
    expect(afterFailure(policy, failed, retriable)).toEqual(verdict);
  });

  it('takes defaults for what it is not given', () => {
    expect(RetryPolicy.parse({})).toEqual({ attempts: 5, baseDelayMs: 200, maxDelayMs: 5000, maxQueued: 1000 });
  });
});

describe('KeyedRetryQueue', () => {
  /** Take what is due at `now`, say how each try went, and return what was tried. */
  function pass(q: KeyedRetryQueue<string>, now: number, fails: (item: string) => boolean | 'fatal'): string[] {
    const tried: string[] = [];
    for (let d = q.next(now); d; d = q.next(now)) {
      tried.push(`${d.item}#${d.failed}`);
      const f = fails(d.item);
      if (f) q.failed(d.key, now, f !== 'fatal');
      else q.succeeded(d.key, now);
    }
    return tried;
  }

  it('a new item is due at once and gone when it goes through', () => {
    const q = new KeyedRetryQueue<string>(policy);
    expect(q.offer('a', 'a1', 0)).toBe(true);
    expect(pass(q, 0, () => false)).toEqual(['a1#0']);
    expect(q.size).toBe(0);
    expect(q.nextWakeAt()).toBeUndefined();
  });

  it('a later item of a key waits behind the failing one; another key goes on once the backoff has passed', () => {
    const q = new KeyedRetryQueue<string>(policy);
    let down = true;
    q.offer('a', 'a1', 0);
    expect(pass(q, 0, () => down)).toEqual(['a1#0']);
    q.offer('a', 'a2', 10);
    q.offer('b', 'b1', 10);
    // Held: the store failed at 0, nothing is tried before 100.
    expect(pass(q, 10, () => down)).toEqual([]);
    expect(q.nextWakeAt()).toBe(100);
    down = false;
    // Earliest due first: b1 (due at 10) before a1's retry (due at 100); a2 only after a1.
    expect(pass(q, 100, () => down)).toEqual(['b1#0', 'a1#1', 'a2#0']);
    expect(q.size).toBe(0);
  });

  it('gives an item up after its tries, and its key goes on with the next', () => {
    const q = new KeyedRetryQueue<string>(policy);
    q.offer('a', 'a1', 0);
    q.offer('a', 'a2', 0);
    const verdicts: unknown[] = [];
    let now = 0;
    for (let d = q.next(now); d && d.item === 'a1'; d = q.next(now)) {
      const v = q.failed(d.key, now, true);
      verdicts.push(v);
      now = q.nextWakeAt()!;
    }
    expect(verdicts).toEqual([
      { retry: true, delayMs: 100 },
      { retry: true, delayMs: 200 },
      { retry: true, delayMs: 350 },
      { retry: false, reason: 'exhausted' },
    ]);
    // 0 + 100 + 200 + 350, then the hold after the last failure (350).
    expect(now).toBe(650 + 350);
    expect(q.next(now)).toEqual({ key: 'a', item: 'a2', failed: 0 });
  });

  it('an error no retry gets past is given up at once and holds nothing', () => {
    const q = new KeyedRetryQueue<string>(policy);
    q.offer('a', 'a1', 0);
    q.offer('b', 'b1', 0);
    expect(pass(q, 0, (i) => (i === 'a1' ? 'fatal' : false))).toEqual(['a1#0', 'b1#0']);
    expect(q.size).toBe(0);
  });

  it('holds at most maxQueued items, the ones being tried included', () => {
    const q = new KeyedRetryQueue<string>(policy);
    expect(['b1', 'c1', 'a1', 'd1'].map((i) => q.offer(i[0]!, i, 0))).toEqual([true, true, true, false]);
    expect(pass(q, 0, (i) => i === 'a1')).toEqual(['b1#0', 'c1#0', 'a1#0']);
    expect(q.size).toBe(1);
    expect(q.offer('d', 'd1', 1)).toBe(true);
  });

  it('drain hands back every item, keys in order', () => {
    const q = new KeyedRetryQueue<string>(policy);
    q.offer('a', 'a1', 0);
    q.offer('b', 'b1', 0);
    q.offer('a', 'a2', 0);
    expect(q.drain()).toEqual([
      { key: 'a', item: 'a1' },
      { key: 'a', item: 'a2' },
      { key: 'b', item: 'b1' },
    ]);
    expect(q.size).toBe(0);
  });
});
