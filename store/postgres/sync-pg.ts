// A synchronous PostgreSQL client, for the store's synchronous contracts (store/types.ts): the
// alerts stage runs each operation as one synchronous transaction, reading and writing inside it.
// A worker thread owns the pg.Client; this thread posts a query and blocks in Atomics.wait until
// the thread has answered, then takes the answer with receiveMessageOnPort (the pattern of the
// synckit package). A loopback round trip costs this thread a fraction of a millisecond.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { PgError } from '../errors.js';

/** How long a call waits for its answer by default. */
export const DEFAULT_SYNC_PG_TIMEOUT_MS = 10_000;
/** How long close() waits for the connection to end politely before stopping the thread. */
const CLOSE_WAIT_MS = 2000;

/** A message to the connection thread; `conn`, when set, is the connection the statement must run on. */
export type SyncPgRequest =
  { type: 'query'; id: number; sql: string; params: readonly unknown[]; conn?: number } | { type: 'close'; id: number };

/** What a failed query reports: PostgreSQL's SQLSTATE (or a connection error's code) and message. */
export interface SyncPgFailure {
  code: string;
  message: string;
  constraint?: string;
  detail?: string;
  table?: string;
}

/** The thread's answer; `conn` numbers the connection that ran the statement. */
export type SyncPgReply = { id: number; ok: true; rows: unknown[]; conn: number } | { id: number; ok: false; error: SyncPgFailure };

export interface SyncPgOptions {
  /** Longest wait for one answer; past it the call throws a PgError `timeout`. Default 10 s. */
  timeoutMs?: number;
}

export interface SyncPg {
  /** Run one statement (parameters `$1…`) and return its rows; bigint and numeric columns come back as numbers. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): T[];
  /** BEGIN, fn, COMMIT; ROLLBACK if fn throws. A call inside another joins it (one commit for both). */
  transaction<T>(fn: () => T): T;
  inTransaction(): boolean;
  /** End the connection and the thread. Idempotent; later calls throw a PgError `closed`. */
  close(): void;
}

interface Thread {
  worker: Worker;
  replies: MessagePort;
  settled: Int32Array;
}

/** Open a synchronous client of the database at `url` (postgres://…); it connects at the first call. */
export function openSyncPg(url: string, options: SyncPgOptions = {}): SyncPg {
  const timeoutMs = options.timeoutMs ?? DEFAULT_SYNC_PG_TIMEOUT_MS;
  let thread: Thread | undefined;
  let nextId = 0;
  /** The open transaction: the thread and connection its statements must run on. */
  let tx: { thread: Thread; conn: number } | undefined;
  let closed = false;

  const start = (): Thread => {
    const { port1, port2 } = new MessageChannel();
    const settled = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL('./sync-pg-worker-boot.js', import.meta.url), {
      workerData: { url, replies: port2, settled, timeoutMs },
      transferList: [port2],
    });
    // Calls block this thread until answered, so nothing here waits on the thread's events.
    worker.unref();
    port1.unref();
    worker.on('error', () => undefined); // reported to the caller as a timeout; the next call starts a new thread
    return { worker, replies: port1, settled };
  };

  const stop = (t: Thread) => {
    if (thread === t) thread = undefined;
    t.replies.close();
    void t.worker.terminate();
  };

  /** Post `req` and block until its answer, or throw after `waitMs`. */
  const call = (t: Thread, req: SyncPgRequest, waitMs: number): SyncPgReply => {
    t.worker.postMessage(req);
    const until = performance.now() + waitMs;
    for (;;) {
      // The thread posts its answer before it bumps the counter: a changed counter means one is there.
      const seen = Atomics.load(t.settled, 0);
      const got = receiveMessageOnPort(t.replies);
      if (got) {
        const r = got.message as SyncPgReply;
        if (r.id === req.id) return r;
        continue; // an answer to an earlier call cannot be waiting, but would be stale
      }
      const left = until - performance.now();
      if (left <= 0) {
        // What became of the statement is unknown: the connection goes, and with it any transaction.
        stop(t);
        const what = req.type === 'query' ? req.sql.replace(/\s+/g, ' ').trim().slice(0, 80) : 'close';
        throw new PgError('timeout', `no answer from PostgreSQL within ${waitMs} ms (${what})`);
      }
      Atomics.wait(t.settled, 0, seen, left);
    }
  };

  const query = <T>(sql: string, params: readonly unknown[] = []): T[] => {
    if (closed) throw new PgError('closed', 'the PostgreSQL client is closed');
    if (tx !== undefined && tx.thread !== thread) throw new PgError('08003', 'the connection of this transaction was lost');
    const t = (thread ??= start());
    const r = call(t, { type: 'query', id: ++nextId, sql, params, conn: tx?.conn }, timeoutMs);
    if (!r.ok) throw new PgError(r.error.code, r.error.message, r.error);
    return r.rows as T[];
  };

  return {
    query,
    transaction<T>(fn: () => T): T {
      if (tx !== undefined) return fn();
      if (closed) throw new PgError('closed', 'the PostgreSQL client is closed');
      const t = (thread ??= start());
      const begin = call(t, { type: 'query', id: ++nextId, sql: 'BEGIN', params: [] }, timeoutMs);
      if (!begin.ok) throw new PgError(begin.error.code, begin.error.message, begin.error);
      tx = { thread: t, conn: begin.conn };
      try {
        let out: T;
        try {
          out = fn();
          if (typeof (out as { then?: unknown } | null)?.then === 'function') {
            throw new TypeError('a transaction function must not return a promise: its statements would run after the commit');
          }
        } catch (err) {
          try {
            query('ROLLBACK');
          } catch {
            // The connection is gone: the server rolls the transaction back itself.
          }
          throw err;
        }
        query('COMMIT');
        return out;
      } finally {
        tx = undefined;
      }
    },
    inTransaction: () => tx !== undefined,
    close() {
      if (closed) return;
      closed = true;
      const t = thread;
      if (t === undefined) return;
      try {
        call(t, { type: 'close', id: ++nextId }, Math.min(timeoutMs, CLOSE_WAIT_MS));
      } catch {
        // Not answered in time: stopping the thread drops the connection.
      }
      stop(t);
    },
  };
}
