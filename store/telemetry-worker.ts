// The telemetry writer thread (telemetry-writer.ts starts it): its own better-sqlite3
// connection to the telemetry file, writing the batches it is sent and answering each on its
// reply port. WAL lets the store's connections read beside it. It also checkpoints the WAL of
// the telemetry file and of the store's own file (`checkpointAlso`), every CHECKPOINT_ROWS rows
// and when the store asks (every second), so that fsync is never paid inside a commit on the
// main thread.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { isTransientSqliteError } from './errors.js';
import { createBatchWriter, createPruner, pruneSteps } from './telemetry-rows.js';
import type { WriterReply, WriterRequest } from './telemetry-writer.js';

/** Checkpoint the WALs after this many rows (and whenever the store asks: every second). */
const CHECKPOINT_ROWS = 4096;

const { file, busyTimeoutMs, replies, settled, checkpointAlso } = workerData as {
  file: string;
  checkpointAlso?: string;
  busyTimeoutMs: number;
  replies: MessagePort;
  /** Bumped after each reply, for a parent blocked in waitSync. */
  settled: Int32Array;
};
const db = new Database(file, { timeout: busyTimeoutMs, fileMustExist: true });
// Per connection, like the store's: WAL + synchronous=NORMAL (see sqlite.ts for the fsync policy).
db.pragma('synchronous = NORMAL');
// This thread checkpoints the WAL itself, between transactions (below): an automatic checkpoint
// runs inside the committing transaction.
db.pragma('wal_autocheckpoint = 0');
// Only to checkpoint: this connection never writes the store's file.
const other = checkpointAlso ? new Database(checkpointAlso, { timeout: busyTimeoutMs, fileMustExist: true }) : undefined;
other?.pragma('wal_autocheckpoint = 0');
const write = createBatchWriter(db);
const prune = createPruner(db);
let rowsSinceCheckpoint = 0;

/** A passive checkpoint neither takes the write lock nor waits for readers. */
function checkpoint(): void {
  rowsSinceCheckpoint = 0;
  for (const conn of other ? [db, other] : [db]) {
    try {
      conn.pragma('wal_checkpoint(PASSIVE)');
    } catch {
      // Busy or failed: the next one catches up; the WAL keeps every committed row meanwhile.
    }
  }
}

function reply(r: WriterReply): void {
  replies.postMessage(r);
  Atomics.add(settled, 0, 1);
  Atomics.notify(settled, 0);
}

/** Retention in chunks; between two, the batches that came meanwhile are written (setImmediate yields to them). */
async function pruneOlder(id: number, cutoff: number): Promise<void> {
  try {
    const deleted = { readings: 0, detections: 0 };
    for (const _ of pruneSteps(prune, cutoff, deleted)) await new Promise((r) => setImmediate(r));
    reply({ type: 'pruned', id, deleted });
  } catch (err) {
    reply({ type: 'prune_failed', id, message: String((err as Error).message ?? err) });
  }
}

parentPort!.on('message', (m: WriterRequest) => {
  if (m.type === 'close') {
    other?.close();
    db.close();
    process.exit(0);
  }
  if (m.type === 'prune') {
    void pruneOlder(m.id, m.cutoff);
    return;
  }
  if (m.type === 'checkpoint') return checkpoint();
  let result: WriterReply;
  const progress = { readings: 0, detections: 0 };
  try {
    write(m.batch, progress);
    result = { type: 'written', id: m.id };
  } catch (err) {
    const e = err as { message?: string; code?: string };
    result = { type: 'failed', id: m.id, message: String(e.message ?? err), code: e.code, canRetry: isTransientSqliteError(err), progress };
  }
  reply(result);
  rowsSinceCheckpoint += progress.readings + progress.detections;
  if (rowsSinceCheckpoint >= CHECKPOINT_ROWS) checkpoint();
});
