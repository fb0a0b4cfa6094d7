// The synchronous PostgreSQL client (store/postgres/sync-pg.ts) on a real server: rows with
// numbers, errors with PostgreSQL's code, transactions that join and roll back, and calls that
// throw instead of hanging when the server stops answering or is gone.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clusterServersMissing, startPostgres, type Postgres } from '../../harness/index.js';
import { PgError, openSyncPg, type SyncPg } from '../../store/index.js';

describe.skipIf(clusterServersMissing())('openSyncPg', () => {
  let server: Postgres;
  let url: string;
  let db: SyncPg;
  const opened: SyncPg[] = [];
  const open = (timeoutMs?: number) => {
    const c = openSyncPg(url, timeoutMs === undefined ? {} : { timeoutMs });
    opened.push(c);
    return c;
  };
  beforeAll(async () => {
    server = await startPostgres();
    url = server.createDatabase('sync');
    db = open();
    db.query('CREATE TABLE t (id integer PRIMARY KEY, v text, n bigint)');
  });
  let running = true;
  afterEach(() => {
    if (running) db.query('DELETE FROM t');
  });
  afterAll(async () => {
    for (const c of opened) c.close();
    await server?.close();
  });
  const ids = () => db.query<{ id: number }>('SELECT id FROM t ORDER BY id').map((r) => r.id);

  it('returns rows, bigint and numeric columns as numbers, and binds parameters', () => {
    expect(db.query('SELECT $1::bigint AS b, 2.5::numeric AS n, $2::text AS t, NULL AS z', [1_748_764_800_000, 'x'])).toEqual([
      { b: 1_748_764_800_000, n: 2.5, t: 'x', z: null },
    ]);
    expect(db.query<{ v: unknown }>(`SELECT '{"a":[1,2]}'::jsonb AS v`)[0]?.v).toEqual({ a: [1, 2] });
    db.query('INSERT INTO t (id, v) VALUES ($1, $2), ($3, $4)', [1, 'a', 2, 'b']);
    expect(db.query('SELECT id, v FROM t WHERE id > $1', [1])).toEqual([{ id: 2, v: 'b' }]);
    expect(db.query('UPDATE t SET v = v')).toEqual([]);
  });

  it('rethrows PostgreSQL errors with their SQLSTATE, message and constraint', () => {
    expect(() => db.query('SELECT * FROM nowhere')).toThrow(
      expect.objectContaining({ name: 'PgError', code: '42P01', message: expect.stringContaining('nowhere') }),
    );
    db.query('INSERT INTO t (id) VALUES (1)');
    let err: unknown;
    try {
      db.query('INSERT INTO t (id) VALUES (1)');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(PgError);
    expect(err).toMatchObject({ code: '23505', canRetry: false, info: { constraint: 't_pkey' } });
    // The connection is fine after an error.
    expect(ids()).toEqual([1]);
  });

  it('commits a transaction, and rolls it back when its function throws', () => {
    expect(db.inTransaction()).toBe(false);
    const out = db.transaction(() => {
      expect(db.inTransaction()).toBe(true);
      db.query('INSERT INTO t (id) VALUES (1)');
      return 'done';
    });
    expect(out).toBe('done');
    expect(db.inTransaction()).toBe(false);
    expect(() =>
      db.transaction(() => {
        db.query('INSERT INTO t (id) VALUES (2)');
        throw new Error('changed my mind');
      }),
    ).toThrow('changed my mind');
    expect(db.inTransaction()).toBe(false);
    expect(ids()).toEqual([1]);
    // A statement error rolls back too, and the connection takes the next transaction.
    expect(() => db.transaction(() => db.query('INSERT INTO t (id) VALUES (1)'))).toThrow(expect.objectContaining({ code: '23505' }));
    db.transaction(() => db.query('INSERT INTO t (id) VALUES (3)'));
    expect(ids()).toEqual([1, 3]);
  });

  it('joins a nested transaction to the outer one: one commit, or one rollback for both', () => {
    db.transaction(() => {
      db.query('INSERT INTO t (id) VALUES (1)');
      db.transaction(() => db.query('INSERT INTO t (id) VALUES (2)'));
      expect(db.inTransaction()).toBe(true);
    });
    expect(ids()).toEqual([1, 2]);
    expect(() =>
      db.transaction(() => {
        db.transaction(() => db.query('INSERT INTO t (id) VALUES (3)'));
        throw new Error('outer fails');
      }),
    ).toThrow('outer fails');
    expect(ids()).toEqual([1, 2]);
  });

  it('refuses a transaction function that returns a promise, and rolls it back', () => {
    expect(() =>
      db.transaction(() => {
        db.query('INSERT INTO t (id) VALUES (1)');
        return Promise.resolve();
      }),
    ).toThrow(/must not return a promise/);
    expect(ids()).toEqual([]);
  });

  it('sees what other connections committed, and another connection sees its commits', () => {
    const other = open();
    other.query('INSERT INTO t (id) VALUES (7)');
    expect(ids()).toEqual([7]);
    db.transaction(() => db.query('INSERT INTO t (id) VALUES (8)'));
    expect(other.query('SELECT count(*) AS n FROM t')).toEqual([{ n: 2 }]);
  });

  it('has the server give up on a statement that waits too long (a lock), and stays usable', async () => {
    db.query('INSERT INTO t (id) VALUES (1)');
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM t WHERE id = 1 FOR UPDATE');
      const short = open(600);
      short.query('SELECT 1'); // the thread started and connected: the wait measured is the statement's
      const started = performance.now();
      expect(() => short.query('UPDATE t SET v = $1 WHERE id = 1', ['x'])).toThrow(
        expect.objectContaining({ code: '57014', canRetry: true }),
      );
      expect(performance.now() - started).toBeLessThan(600);
      await holder.query('ROLLBACK');
      expect(short.query('UPDATE t SET v = $1 WHERE id = 1 RETURNING v', ['y'])).toEqual([{ v: 'y' }]);
    } finally {
      await holder.end();
    }
  });

  it('throws `timeout` within timeoutMs when the server stops answering, then works on a new connection', () => {
    const short = open(500);
    const backendPid = () => short.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')[0]!.pid;
    const stopped: number[] = [];
    // The backend freezes: no answer, no error, no closed socket.
    const freeze = (pid: number) => {
      process.kill(pid, 'SIGSTOP');
      stopped.push(pid);
    };
    try {
      freeze(backendPid());
      const started = performance.now();
      expect(() => short.query('SELECT 1')).toThrow(expect.objectContaining({ code: 'timeout', canRetry: true }));
      expect(performance.now() - started).toBeLessThan(1500);
      // A transaction whose connection was dropped is over: its later statements go nowhere,
      // rather than to a new connection outside it.
      let first: string | undefined;
      expect(() =>
        short.transaction(() => {
          freeze(backendPid());
          try {
            short.query('SELECT 1');
          } catch (err) {
            first = (err as PgError).code;
          }
          short.query('SELECT 1');
        }),
      ).toThrow(expect.objectContaining({ code: '08003' }));
      expect(first).toBe('timeout');
      expect(short.inTransaction()).toBe(false);
    } finally {
      for (const pid of stopped) process.kill(pid, 'SIGCONT');
    }
    expect(short.query('SELECT 2 AS two')).toEqual([{ two: 2 }]);
  });

  it('throws on a closed client, and close is idempotent', () => {
    const c = open();
    c.query('SELECT 1');
    c.close();
    c.close();
    expect(() => c.query('SELECT 1')).toThrow(expect.objectContaining({ code: 'closed' }));
    expect(() => c.transaction(() => 1)).toThrow(expect.objectContaining({ code: 'closed' }));
  });

  // Last: the server is stopped for good.
  it('throws a connection error at once when the server is gone, instead of hanging', async () => {
    const c = open(5000);
    c.query('SELECT 1');
    await server.stop();
    running = false;
    for (const call of [() => c.query('SELECT 1'), () => c.query('SELECT 1')]) {
      const started = performance.now();
      expect(call).toThrow(expect.objectContaining({ canRetry: true }));
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });
});
