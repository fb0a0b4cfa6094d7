// The connection thread of the synchronous PostgreSQL client (sync-pg.ts starts it): it owns one
// pg.Client, runs each query it is sent and answers on its reply port, then bumps the shared
// counter the blocked main thread waits on. A lost connection is replaced at the next request,
// unless that request belongs to a transaction of the lost one.
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import pg from 'pg';
import type { SyncPgFailure, SyncPgReply, SyncPgRequest } from './sync-pg.js';

const { url, replies, settled, timeoutMs } = workerData as {
  url: string;
  replies: MessagePort;
  /** Bumped after each reply, for the main thread blocked in Atomics.wait. */
  settled: Int32Array;
  timeoutMs: number;
};

// The store's contracts speak JS numbers: ms-epoch times in bigint columns, counts, sums.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
pg.types.setTypeParser(pg.types.builtins.NUMERIC, (v) => Number(v));

let current: { client: pg.Client; id: number } | undefined;
let opened = 0;

/** The open connection, or a new one. */
async function connection(): Promise<{ client: pg.Client; id: number }> {
  if (current) return current;
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: timeoutMs,
    // The server gives up on a statement (a lock wait included) a little before the caller
    // would, so the caller gets PostgreSQL's own error and the connection stays usable.
    statement_timeout: Math.max(1, Math.floor(timeoutMs * 0.9)),
    // A node frozen inside a transaction must not hold its locks for ever.
    idle_in_transaction_session_timeout: Math.max(30_000, 6 * timeoutMs),
    application_name: 'citysense',
    keepAlive: true,
  });
  const mine = { client, id: ++opened };
  const forget = () => {
    if (current === mine) current = undefined;
  };
  client.on('error', forget);
  client.on('end', forget);
  try {
    await client.connect();
  } catch (err) {
    client.end().catch(() => undefined);
    throw err;
  }
  current = mine;
  return mine;
}

function failure(err: unknown, lost: boolean): SyncPgFailure {
  const e = err as { code?: unknown; message?: unknown; constraint?: string; detail?: string; table?: string };
  // pg's own connection errors ("Connection terminated unexpectedly") carry no code.
  const code = typeof e.code === 'string' ? e.code : lost ? '08006' : 'XX000';
  return { code, message: String(e.message ?? err), constraint: e.constraint, detail: e.detail, table: e.table };
}

function reply(r: SyncPgReply): void {
  replies.postMessage(r);
  Atomics.add(settled, 0, 1);
  Atomics.notify(settled, 0);
}

async function run(m: Extract<SyncPgRequest, { type: 'query' }>): Promise<SyncPgReply> {
  // A transaction lives on one connection: its statements never go to a new one.
  if (m.conn !== undefined && current?.id !== m.conn) {
    return { id: m.id, ok: false, error: { code: '08003', message: 'the connection of this transaction was lost' } };
  }
  let conn: { client: pg.Client; id: number } | undefined;
  try {
    conn = await connection();
    // Without parameters pg sends the simple protocol, which takes several statements (a
    // migration) and answers with a result each: the last one's rows are the answer.
    const result = (await conn.client.query({ text: m.sql, values: m.params as unknown[] })) as pg.QueryResult | pg.QueryResult[];
    const last = Array.isArray(result) ? result[result.length - 1] : result;
    return { id: m.id, ok: true, rows: (last?.rows ?? []) as unknown[], conn: conn.id };
  } catch (err) {
    return { id: m.id, ok: false, error: failure(err, conn !== undefined && current !== conn) };
  }
}

parentPort!.on('message', (m: SyncPgRequest) => {
  if (m.type === 'close') {
    const client = current?.client;
    current = undefined;
    void (client ? client.end() : Promise.resolve()).catch(() => undefined).then(() => reply({ id: m.id, ok: true, rows: [], conn: 0 }));
    return;
  }
  void run(m).then(reply);
});
