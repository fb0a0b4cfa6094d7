// Where the SQLite telemetry sink's batches are written. By default a worker thread with its
// own connection to the telemetry file; in-process for `:memory:` databases, which another connection cannot open.
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import type { Logger } from 'pino';
import { StoreError, isTransientSqliteError } from './errors.js';
import { createBatchWriter, createPruner, pruneNow, type TelemetryBatch, type WriteProgress } from './telemetry-rows.js';

/** A message to the writer thread. */
export type WriterRequest =
  | { type: 'write'; id: number; batch: TelemetryBatch }
  | { type: 'prune'; id: number; cutoff: number }
  | { type: 'checkpoint' }
  | { type: 'close' };
/** The writer thread's answer to one write or prune. */
export type WriterReply =
  | { type: 'written'; id: number }
  | { type: 'failed'; id: number; message: string; code: string | undefined; canRetry: boolean; progress: WriteProgress }
  | { type: 'pruned'; id: number; deleted: WriteProgress }
  | { type: 'prune_failed'; id: number; message: string };

/**
 * Called once per write: no error when the whole batch is committed; else `progress` says
 * which leading rows of each table were committed before the failure (the rest were not).
 */
export type WriteDone = (err?: StoreError, progress?: WriteProgress) => void;

/** Writes batches, each in short transactions of its own (telemetry-rows.ts). */
export interface TelemetryWriter {
  readonly mode: 'worker' | 'inline';
  write(batch: TelemetryBatch, done: WriteDone): void;
  /**
   * Block this thread until the write on its way settles, its `done` called before this returns
   * (backpressure when the writer falls behind). False when none was on its way or time ran out.
   */
  waitSync(timeoutMs: number): boolean;
  /**
   * Retention: delete the readings and detections older than `cutoff`, in short transactions
   * between the batches. The writer is the telemetry file's only writer, retention included.
   */
  prune(cutoff: number): Promise<WriteProgress>;
  /**
   * Checkpoint the WAL of the telemetry file and of `checkpointAlso` now, off this thread (a
   * no-op inline, where SQLite's automatic checkpoints apply). The store calls it every second,
   * so the store's file is checkpointed in small steps even when no telemetry arrives.
   */
  checkpoint(): void;
  /** Stop the writer; call after the last write settled. */
  close(): Promise<void>;
}

const writeFailed = (message: string, canRetry: boolean, cause?: unknown) =>
  new StoreError('write_failed', `telemetry batch write failed: ${message}`, canRetry, { cause });

/** A writer on the store's own connection, in this thread: `done` runs before `write` returns. */
export function createInlineWriter(db: Database): TelemetryWriter {
  const write = createBatchWriter(db);
  const prune = createPruner(db);
  return {
    mode: 'inline',
    write(batch, done) {
      const progress = { readings: 0, detections: 0 };
      try {
        write(batch, progress);
      } catch (err) {
        return done(writeFailed((err as Error).message, isTransientSqliteError(err), err), progress);
      }
      done();
    },
    waitSync: () => false,
    prune: async (cutoff) => pruneNow(prune, cutoff),
    checkpoint() {},
    async close() {},
  };
}

/**
 * A writer thread on its own connection to `file`, started at the first write. Replies come
 * on a port of their own, so `waitSync` can take one synchronously; a shared counter wakes it.
 * The thread keeps the process alive only while a write or the close is outstanding.
 */
export function createWorkerWriter(
  file: string,
  o: { busyTimeoutMs: number; logger: Logger; /** Another WAL file whose checkpoints the thread does too. */ checkpointAlso?: string },
): TelemetryWriter {
  let thread: { worker: Worker; replies: MessagePort; settled: Int32Array } | undefined;
  let nextId = 1;
  let closed = false;
  const waiting = new Map<number, WriteDone>();
  const pruning = new Map<number, { resolve: (deleted: WriteProgress) => void; reject: (err: StoreError) => void }>();

  const idle = () => {
    if (waiting.size > 0 || pruning.size > 0 || closed || !thread) return;
    thread.worker.unref();
    thread.replies.unref();
  };
  const onReply = (m: WriterReply) => {
    if (m.type === 'pruned' || m.type === 'prune_failed') {
      const p = pruning.get(m.id);
      pruning.delete(m.id);
      idle();
      if (m.type === 'pruned') p?.resolve(m.deleted);
      else p?.reject(new StoreError('write_failed', `telemetry retention failed: ${m.message}`));
      return;
    }
    const done = waiting.get(m.id);
    waiting.delete(m.id);
    idle();
    if (m.type === 'written') done?.();
    else done?.(writeFailed(m.message, m.canRetry, { code: m.code }), m.progress);
  };
  /** The thread, started if need be, kept alive for a request on its way. */
  const busy = () => {
    const t = (thread ??= start());
    t.worker.ref();
    t.replies.ref();
    return t;
  };

  const start = () => {
    const { port1, port2 } = new MessageChannel();
    const settled = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL('./telemetry-worker-boot.js', import.meta.url), {
      workerData: { file, busyTimeoutMs: o.busyTimeoutMs, replies: port2, settled, checkpointAlso: o.checkpointAlso },
      transferList: [port2],
    });
    port1.on('message', onReply);
    worker.on('error', (err) => o.logger.error({ err }, 'telemetry writer thread failed'));
    worker.on('exit', (code) => {
      if (thread?.worker === worker) thread = undefined; // the next write starts a new one
      port1.close();
      // Whether the batches on the way committed is unknown; retrying may store a row twice,
      // which is better than not at all.
      const lost = [...waiting.values()];
      waiting.clear();
      for (const done of lost) done(writeFailed(`writer thread exited with code ${code}`, true));
      const prunes = [...pruning.values()];
      pruning.clear();
      // Closed on purpose: retention stopped between two chunks (what it deleted stays deleted).
      const err = closed
        ? new StoreError('closed', 'telemetry retention stopped: the store was closed')
        : new StoreError('write_failed', `telemetry retention stopped: writer thread exited with code ${code}`);
      for (const p of prunes) p.reject(err);
    });
    return { worker, replies: port1, settled };
  };

  return {
    mode: 'worker',
    write(batch, done) {
      if (closed) return done(new StoreError('closed', 'telemetry writer is closed'));
      const id = nextId++;
      waiting.set(id, done);
      const t = busy();
      // Moved, not copied: each table's bytes have an ArrayBuffer of their own (concatRows), which
      // the sink does not touch again (a retry encodes a new batch from its rows).
      t.worker.postMessage({ type: 'write', id, batch } satisfies WriterRequest, [batch.readings.buffer, batch.detections.buffer]);
    },
    prune(cutoff) {
      if (closed) return Promise.reject(new StoreError('closed', 'telemetry writer is closed'));
      const id = nextId++;
      const done = new Promise<WriteProgress>((resolve, reject) => pruning.set(id, { resolve, reject }));
      busy().worker.postMessage({ type: 'prune', id, cutoff } satisfies WriterRequest);
      return done;
    },
    checkpoint() {
      if (closed) return;
      // Started if need be, but kept unreferenced: a checkpoint must not keep the process alive.
      const started = thread === undefined;
      const t = (thread ??= start());
      if (started) idle();
      t.worker.postMessage({ type: 'checkpoint' } satisfies WriterRequest);
    },
    waitSync(timeoutMs) {
      const t = thread;
      if (t === undefined || waiting.size === 0) return false;
      const until = performance.now() + timeoutMs;
      for (;;) {
        // The thread posts its reply before it bumps the counter: a changed counter means a reply is there.
        const seen = Atomics.load(t.settled, 0);
        const reply = receiveMessageOnPort(t.replies);
        if (reply) {
          onReply(reply.message as WriterReply);
          return true;
        }
        const left = until - performance.now();
        if (left <= 0) return false;
        Atomics.wait(t.settled, 0, seen, left);
      }
    },
    async close() {
      closed = true;
      const t = thread;
      if (t === undefined) return;
      t.worker.ref();
      await new Promise<void>((resolve) => {
        t.worker.once('exit', () => resolve());
        t.worker.postMessage({ type: 'close' } satisfies WriterRequest);
      });
    },
  };
}
