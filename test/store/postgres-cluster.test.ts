// Several nodes on one PostgreSQL (DESIGN.md § Cluster mode): one global /ws seq, handed out
// without gaps and committed in order; one open incident per dedup key however the nodes race;
// read-modify-writes of one incident that take turns; silences one node writes seen by all;
// rule versions numbered without gaps. The other nodes run in threads of their own (pg-node.ts),
// so one can wait on a lock that the test holds from this thread with a plain pg client.
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clusterServersMissing, startPostgres, type Postgres } from '../../harness/index.js';
import { PG_MIGRATIONS } from '../../store/postgres/schema.js';
import type { Detection, LogMessage } from '../../model/index.js';
import type { PostgresStore } from '../../store/index.js';
import { T0, makeDetection, makeEvent, makeIncident } from '../unit/store/fixtures.js';
import { postgresBackend, type PostgresBackend } from './postgres-backend.js';
import { startNode, type TestNode } from './pg-nodes.js';

const alert = { type: 'alert', alert: { from: 'test' } } as object as LogMessage;
/** The store's own append, run by a plain client: it takes the seq and holds the counter's lock until COMMIT. */
const APPEND_SQL = `WITH s AS (UPDATE alert_seq SET seq = seq + 1 WHERE id = 1 RETURNING seq)
  INSERT INTO alert_log (seq, ts, type, body) SELECT seq, 0, 'alert', '{"type":"alert"}' FROM s RETURNING seq`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.skipIf(clusterServersMissing())('PostgreSQL store shared by several nodes', () => {
  let server: Postgres;
  let backend: PostgresBackend;
  let a: PostgresStore;
  let b: PostgresStore;
  let holder: pg.Client;
  /** Two other nodes, each in a thread of its own with its own connection. */
  let n1: TestNode;
  let n2: TestNode;
  beforeAll(async () => {
    server = await startPostgres();
    backend = postgresBackend(() => server);
    a = await backend.fresh();
    b = backend.open();
    holder = await backend.client();
    [n1, n2] = await Promise.all([startNode(backend.url(), 'n1'), startNode(backend.url(), 'n2')]);
  });
  afterAll(async () => {
    await Promise.all([n1?.close(), n2?.close()]);
    await backend?.dispose();
    await server?.close();
  });
  // Every test starts from empty tables and counters at zero.
  beforeEach(async () => {
    a = await backend.fresh();
  });

  it('hands out one gapless, increasing seq to every node, and since() shows all of them in order', async () => {
    const mine: number[] = [];
    const theirs = Promise.all([n1.call<number[]>({ op: 'append', count: 200 }), n2.call<number[]>({ op: 'append', count: 200 })]);
    for (let i = 0; i < 50; i++) mine.push(i % 2 ? a.alertLog.append(alert) : b.alertLog.append(alert));
    const all = [...mine, ...(await theirs).flat()].sort((x, y) => x - y);
    expect(all).toEqual(Array.from({ length: 450 }, (_, i) => i + 1));
    for (const seqs of [mine, ...(await theirs)]) expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    expect(a.alertLog.since(0, 1000).map((m) => m.seq)).toEqual(all);
    expect(b.alertLog.lastSeq()).toBe(450);
  });

  it.each(['commits', 'rolls back'] as const)(
    'never lets since() show a later seq before an earlier one is committed: the holder of seq 11 %s',
    async (outcome) => {
      for (let i = 0; i < 10; i++) a.alertLog.append(alert);
      await holder.query('BEGIN');
      const held = (await holder.query<{ seq: string }>(APPEND_SQL)).rows[0]!.seq;
      expect(Number(held)).toBe(11);
      // The node's append waits for the counter's lock, so it cannot commit seq 12 while 11 is open.
      const later = n1.call<number[]>({ op: 'append', count: 1 });
      await sleep(300);
      expect(a.alertLog.since(10, 10)).toEqual([]);
      expect(a.alertLog.lastSeq()).toBe(10);
      await holder.query(outcome === 'commits' ? 'COMMIT' : 'ROLLBACK');
      const [seq] = await later;
      // A rolled-back seq is handed out again: no gap for a resuming client to wonder about.
      expect(seq).toBe(outcome === 'commits' ? 12 : 11);
      expect(a.alertLog.since(10, 10).map((m) => m.seq)).toEqual(outcome === 'commits' ? [11, 12] : [11]);
    },
  );

  it('opens exactly one incident per dedup key when two nodes take the same detections at once', async () => {
    const keys = Array.from({ length: 30 }, (_, k) => `water-high:s-${k}`);
    const stream = (nodeId: string): Detection[] =>
      keys.flatMap((key, k) =>
        [0, 1].map((n) => makeDetection({ id: `${nodeId}-${k}-${n}`, dedupKey: key, deviceId: `s-${k}`, ts: T0 + n })),
      );
    // Both load the alerts stage first, so their detections really run side by side.
    await Promise.all([n1.call({ op: 'detect', detections: [] }), n2.call({ op: 'detect', detections: [] })]);
    // A node whose insert lost the race to the other gets a retriable `duplicate` and runs the
    // detection again, attaching it (the answers count those retries: a few per run, or none).
    await Promise.all([
      n1.call<number>({ op: 'detect', detections: stream('n1') }),
      n2.call<number>({ op: 'detect', detections: stream('n2') }),
    ]);
    const open = a.incidents.listIncidents({ state: ['warning'], limit: 1000 });
    expect(open.map((i) => i.dedupKey).sort()).toEqual([...keys].sort());
    // Every detection is on the one incident of its key: opened it or was attached to it.
    expect(open.reduce((sum, i) => sum + i.detections, 0)).toBe(keys.length * 4);
    // Each node's detection is an alert, each incident change a message: one gapless seq for all.
    const seqs = a.alertLog.since(0, 10_000).map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    expect(seqs.length).toBe(keys.length * 4 * 2);
  });

  it('refuses a second open incident for a key while the first is uncommitted, as retriable; the retry attaches', async () => {
    const first = makeIncident({ id: 'INC-A', dedupKey: 'water-high:s-1', createdAt: Date.now() });
    await holder.query('BEGIN');
    await holder.query(
      `INSERT INTO incidents (id, state, severity, category, dedup_key, reopened, created_at, updated_at, body)
       VALUES ($1, 'warning', 'orange', 'flood', $2, 0, $3, $3, $4)`,
      [first.id, first.dedupKey, first.createdAt, JSON.stringify(first)],
    );
    // The node does not see the uncommitted incident, opens its own, and waits on the unique index.
    const d = makeDetection({ dedupKey: 'water-high:s-1', deviceId: 's-1' });
    const retried = n1.call<number>({ op: 'detect', detections: [d] });
    await sleep(300);
    await holder.query('COMMIT');
    expect(await retried).toBe(1);
    const open = a.incidents.listIncidents({ state: ['warning'] });
    expect(open.map((i) => i.id)).toEqual(['INC-A']);
    expect(open[0]!.detections).toBe(2);
    expect(() => a.incidents.insertIncident(makeIncident({ id: 'INC-B', dedupKey: 'water-high:s-1' }), makeEvent('INC-B'))).toThrow(
      expect.objectContaining({ code: 'duplicate', canRetry: true }),
    );
  });

  it('serializes two nodes’ read-modify-writes of one incident: no update is lost', async () => {
    const inc = makeIncident({ id: 'INC-1', detections: 1 });
    a.incidents.insertIncident(inc, makeEvent(inc.id));
    await Promise.all([n1.call({ op: 'bump', incidentId: inc.id, times: 60 }), n2.call({ op: 'bump', incidentId: inc.id, times: 60 })]);
    expect(a.incidents.getIncident(inc.id)?.detections).toBe(121);
    expect(a.incidents.events(inc.id)).toHaveLength(121);
  });

  it('locks the rows a transaction reads until it ends; a read outside one locks nothing', async () => {
    const inc = makeIncident({ id: 'INC-1' });
    a.incidents.insertIncident(inc, makeEvent(inc.id));
    // Another node, whose statements the server gives up on after 0.9 s of waiting.
    const other = backend.open({ timeoutMs: 1000 });
    const tryRow = () => {
      try {
        other.writeTransaction(() => other.incidents.getIncident(inc.id));
        return 'free';
      } catch (err) {
        return (err as { code?: string }).code;
      }
    };
    expect(a.incidents.getIncident(inc.id)).toEqual(inc);
    expect(tryRow()).toBe('free');
    let inside: string | undefined;
    a.writeTransaction(() => {
      expect(a.incidents.findOpenByDedupKey(inc.dedupKey!)?.id).toBe(inc.id);
      inside = tryRow();
    });
    expect(inside).toBe('57014'); // waited for the row until its statement timeout
    expect(tryRow()).toBe('free');
  });

  it('shows silences one node wrote to every other: version() moves', async () => {
    const before = b.silences.version();
    a.silences.put({
      id: 'SIL-1',
      matchers: { grid: 'g-1' },
      createdBy: 'op',
      comment: 'works',
      startsAt: T0,
      endsAt: T0 + 1000,
      createdAt: T0,
    });
    expect(b.silences.version()).not.toBe(before);
    expect(b.silences.unendedAt(T0).map((s) => s.id)).toEqual(['SIL-1']);
  });

  it('numbers rule versions without gaps while nodes append to one rule at once', async () => {
    const [v1, v2] = await Promise.all([
      n1.call<number[]>({ op: 'ruleVersions', ruleId: 'water-high', times: 40 }),
      n2.call<number[]>({ op: 'ruleVersions', ruleId: 'water-high', times: 40 }),
    ]);
    expect([...v1, ...v2].sort((x, y) => x - y)).toEqual(Array.from({ length: 80 }, (_, i) => i + 1));
    expect(a.ruleVersions.latest('water-high')?.version).toBe(80);
  });

  it('creates the schema once when several nodes open a new database at once', async () => {
    const fresh = postgresBackend(() => server);
    const opened = await Promise.all(['n3', 'n4', 'n5'].map((id) => startNode(fresh.url(), id)));
    try {
      expect(fresh.open().health()).toMatchObject({ ok: true, schemaVersion: PG_MIGRATIONS.at(-1)!.version, alertLogLastSeq: 0 });
    } finally {
      await Promise.all(opened.map((n) => n.close()));
      await fresh.dispose();
    }
  });
});
