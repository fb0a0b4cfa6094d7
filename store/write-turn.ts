// Whose turn it is to write the SQLite file: the store's own connection on the main thread
// (incidents, the alert log: the alert path) or the telemetry writer thread's.
//
// SQLite lets one connection write at a time. One that finds the lock taken sleeps in coarse
// steps (1, 2, 5, 10, 15 ms…) and retries; against a writer thread committing short
// transactions back to back it loses the race again at most wake-ups. Issue #3 measured
// incident writes waiting 3–21 ms behind telemetry batches at 20k readings/s: the alert path's p99.
//
// The turn is a lock both threads share (a SharedArrayBuffer): each takes it around a write
// transaction; the main thread is woken the moment the writer's transaction ends, and the
// writer does not start its next transaction while the main thread waits. It is advisory: a
// wait that runs out goes ahead and leaves the ordering to SQLite's own lock, so the turn can
// delay a write, never break one.

const HOLDER = 0;
const MAIN_WAITING = 1;
const FREE = 0;

export type Side = 'main' | 'writer';
const ID: Record<Side, number> = { main: 1, writer: 2 };

/** Run `fn` (a write transaction) in this side's turn. */
export type Hold = <T>(fn: () => T) => T;

/** No other writer in this process: the connection's own lock is all there is. */
export const noTurn: Hold = (fn) => fn();

/** Whether the main thread waits for its turn (the writer then commits early). */
export const mainWaiting = (state: Int32Array): boolean => Atomics.load(state, MAIN_WAITING) > 0;

/** Free the turn if `side` holds it: that side's thread ended in the middle of a transaction. */
export function releaseIfHeldBy(state: Int32Array, side: Side): void {
  if (Atomics.compareExchange(state, HOLDER, ID[side], FREE) === ID[side]) Atomics.notify(state, HOLDER);
}

/** The shared words of a turn; pass them to the other thread (workerData). */
export const newTurnState = (): Int32Array => new Int32Array(new SharedArrayBuffer(8));

/**
 * One side's `hold` over `state`. `waitMs` bounds each wait (then the write goes ahead anyway).
 * The main side may nest holds (a transaction that appends to the alert log inside another).
 */
export function writeTurn(state: Int32Array, side: Side, waitMs: number): Hold {
  const me = ID[side];
  let depth = 0;

  const acquire = (): boolean => {
    const until = performance.now() + waitMs;
    for (;;) {
      // The writer lets a waiting main thread go first: it is the latency-sensitive side.
      const waiting = side === 'writer' ? Atomics.load(state, MAIN_WAITING) : 0;
      if (waiting === 0) {
        const holder = Atomics.compareExchange(state, HOLDER, FREE, me);
        if (holder === FREE) return true;
        const left = until - performance.now();
        if (left <= 0) return false;
        Atomics.wait(state, HOLDER, holder, left);
      } else {
        const left = until - performance.now();
        if (left <= 0) return false;
        Atomics.wait(state, MAIN_WAITING, waiting, left);
      }
    }
  };

  const release = () => {
    Atomics.store(state, HOLDER, FREE);
    Atomics.notify(state, HOLDER);
  };

  return <T>(fn: () => T): T => {
    if (depth > 0) {
      depth++;
      try {
        return fn();
      } finally {
        depth--;
      }
    }
    if (side === 'main') Atomics.add(state, MAIN_WAITING, 1);
    let owned: boolean;
    try {
      owned = acquire();
    } finally {
      if (side === 'main') {
        Atomics.sub(state, MAIN_WAITING, 1);
        Atomics.notify(state, MAIN_WAITING);
      }
    }
    depth = 1;
    try {
      return fn();
    } finally {
      depth = 0;
      if (owned) release();
    }
  };
}
