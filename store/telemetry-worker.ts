// The telemetry writer thread (telemetry-writer.ts starts it): its own better-sqlite3
// connection to the store's file, writing the batches it is sent, one transaction each, and
// answering each on its reply port. WAL lets the store's connection read beside it.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { isTransientSqliteError } from './errors.js';
import { createBatchWriter } from './telemetry-rows.js';
import type { WriterReply, WriterRequest } from './telemetry-writer.js';

const { file, busyTimeoutMs, replies, settled } = workerData as {
  file: string;
  busyTimeoutMs: number;
  replies: MessagePort;
  /** Bumped after each reply, for a parent blocked in waitSync. */
  settled: Int32Array;
};
const db = new Database(file, { timeout: busyTimeoutMs, fileMustExist: true });
// Per connection, like the store's: WAL + synchronous=NORMAL (see sqlite.ts for the fsync policy).
db.pragma('synchronous = NORMAL');
const write = createBatchWriter(db);

parentPort!.on('message', (m: WriterRequest) => {
  if (m.type === 'close') {
    db.close();
    process.exit(0);
  }
  let reply: WriterReply;
  const progress = { readings: 0, detections: 0 };
  try {
    write(m.batch, progress);
    reply = { type: 'written', id: m.id };
  } catch (err) {
    const e = err as { message?: string; code?: string };
    reply = { type: 'failed', id: m.id, message: String(e.message ?? err), code: e.code, canRetry: isTransientSqliteError(err), progress };
  }
  replies.postMessage(reply);
  Atomics.add(settled, 0, 1);
  Atomics.notify(settled, 0);
});
