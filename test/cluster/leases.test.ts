// Partition leases against a real PostgreSQL: nodes share the 33 partitions evenly, a dead
// node's partitions move to the survivors under new epochs, a joining node gets its share, and a
// node cut off from the database drops its leases before they can expire.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { clusterServersMissing, startPostgres, type Postgres } from '../../harness/cluster-servers.js';
import { eventually } from './helpers.js';
import { leaseNodes, RENEW, TTL, type Node } from './lease-nodes.js';
import { startTcpProxy } from './tcp-proxy.js';

const missing = clusterServersMissing();
if (missing) console.warn(`${missing}: cluster tests skipped`);

describe.skipIf(missing)('partition leases in PostgreSQL (real server)', () => {
  let postgres: Postgres;
  const { freshDatabase, freshPool, startNode, shares, cleanup, lines } = leaseNodes(() => postgres, 'leases');

  beforeAll(async () => {
    postgres = await startPostgres();
  });
  afterEach(() => cleanup());
  afterAll(async () => {
    await postgres?.close();
  });

  it('three nodes share the 33 partitions 11 each, every one owned exactly once', async () => {
    // Each on its own connections, starting together on an empty database: the tables are made once.
    const url = freshDatabase();
    const three = await Promise.all(['node-a', 'node-b', 'node-c'].map((id) => startNode(freshPool(url), id)));
    const counts = await eventually(() => shares(three)?.every((c) => c === 11) && shares(three), 10_000, '11 leases each');
    expect(counts).toEqual([11, 11, 11]);
    const status = await three[0]!.manager.status();
    expect(status.nodes.map((n) => [n.nodeId, n.alive])).toEqual([
      ['node-a', true],
      ['node-b', true],
      ['node-c', true],
    ]);
    expect(status.nodes[1]!.info).toEqual({ http: 'http://node-b:8080' });
    expect(status.leases).toHaveLength(33);
    for (const l of status.leases) {
      const owner = three.find((n) => n.manager.owned().has(l.name))!;
      expect(l.owner).toBe(owner.id);
      expect(l.epoch).toBe(owner.manager.owned().get(l.name));
      expect(l.expiresAt).toBeGreaterThan(Date.now() - 1_000);
    }
  });

  it('a dead node’s partitions move to the two survivors within 10 s, under new epochs', async () => {
    const pool = freshPool();
    const three = await Promise.all(['node-a', 'node-b', 'node-c'].map((id) => startNode(pool, id)));
    await eventually(() => shares(three)?.every((c) => c === 11), 10_000, '11 leases each');
    const [a, b, c] = three as [Node, Node, Node];
    const before = new Map(c.manager.owned());
    await c.manager.stop({ release: false });
    c.dead = true;
    const t0 = Date.now();
    const counts = await eventually(() => shares([a, b]), 10_000, 'the survivors owning all 33');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(TTL - 2 * RENEW); // not before the dead node's leases ran out
    expect(counts.sort()).toEqual([16, 17]);
    for (const [name, epoch] of before) {
      const now = a.manager.owned().get(name) ?? b.manager.owned().get(name);
      expect(now).toBeGreaterThan(epoch);
    }
    expect(c.lost).toEqual([]); // a dead node is told nothing
    const status = await a.manager.status();
    expect(status.nodes.find((n) => n.nodeId === 'node-c')?.alive).toBe(false);
  });

  it('a node that joins gets its share: the others give back what is beyond theirs', async () => {
    const pool = freshPool();
    const three = await Promise.all(['node-a', 'node-b', 'node-c'].map((id) => startNode(pool, id)));
    await eventually(() => shares(three)?.every((c) => c === 11), 10_000, '11 leases each');
    const epochs = new Map(three.flatMap((n) => [...n.manager.owned()]));
    const lostBefore = three.map((n) => n.lost.length);
    const d = await startNode(pool, 'node-d');
    const four = [...three, d];
    const counts = await eventually(() => shares(four)?.[3] === 6 && shares(four), 10_000, 'node-d holding its share');
    expect(counts).toEqual([9, 9, 9, 6]);
    const given = three.flatMap((n, i) => n.lost.slice(lostBefore[i]));
    expect(given).toHaveLength(6); // each told once of each lease it gave back
    for (const [name, epoch] of d.acquired) expect(epoch).toBe(epochs.get(name)! + 1);
    expect(new Set(d.acquired.map(([name]) => name))).toEqual(new Set(given.map(([name]) => name)));
  });

  it('stop() gives the leases back at once: the survivor has them well within the TTL', async () => {
    const pool = freshPool();
    const [a, b] = await Promise.all(['node-a', 'node-b'].map((id) => startNode(pool, id)));
    await eventually(() => shares([a!, b!])?.every((c) => c >= 16), 10_000, '16 or 17 each');
    const had = a!.manager.owned().size;
    await b!.manager.stop();
    b!.dead = true;
    expect(b!.lost).toHaveLength(b!.acquired.length);
    const t0 = Date.now();
    await eventually(() => a!.manager.owned().size === 33, 10_000, 'the survivor holding all');
    expect(Date.now() - t0).toBeLessThan(TTL);
    expect(had).toBeLessThan(33);
    expect((await a!.manager.status()).nodes.map((n) => n.nodeId)).toEqual(['node-a']);
  });

  it('a lease still starting is renewed and never given back; once started, the extras are', async () => {
    const pool = freshPool();
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const started: string[] = [];
    const a = await startNode(pool, 'node-a', {
      onAcquired: async (name) => {
        await gate;
        started.push(name);
      },
    });
    await eventually(async () => (await a.manager.status()).leases.every((l) => l.owner === 'node-a'), 10_000, 'node-a taking all');
    const b = await startNode(pool, 'node-b');
    await new Promise((r) => setTimeout(r, TTL + 500)); // longer than the TTL: the starting leases must be renewed
    expect(a.manager.owned().size).toBe(0);
    expect(a.lost).toEqual([]);
    expect(b.manager.owned().size).toBe(0);
    expect((await a.manager.status()).leases.every((l) => l.owner === 'node-a' && l.expiresAt > Date.now())).toBe(true);
    open();
    const counts = await eventually(() => shares([a, b])?.every((c) => c >= 16) && shares([a, b]), 10_000, 'an even split');
    expect(counts.sort()).toEqual([16, 17]);
    for (const [name] of a.lost) expect(started).toContain(name);
  });

  it('an onAcquired that fails gives the lease back, and it is not counted as owned', async () => {
    const pool = freshPool();
    let failures = 0;
    const a = await startNode(pool, 'node-a', {
      onAcquired: (name) => {
        if (name === 'timers' && failures++ === 0) throw new Error('checkpoint not loadable');
      },
    });
    await eventually(() => a.manager.owned().size === 33, 10_000, 'all 33, timers after its cool-down');
    expect(failures).toBe(2);
    expect(a.lost).toEqual([]);
    expect(lines.some((l) => l.msg === 'onAcquired failed: giving the lease back' && l.name === 'timers')).toBe(true);
  });

  it('a node cut off from the database drops its leases before they expire', async () => {
    const dbUrl = new URL(freshDatabase());
    const proxy = await startTcpProxy(Number(dbUrl.port));
    const via = new URL(dbUrl);
    via.port = String(proxy.port);
    const a = await startNode(freshPool(via.toString()), 'node-a');
    await eventually(() => a.manager.owned().size === 33, 10_000, 'all 33');
    proxy.blackhole(); // queries now hang: no error, no answer
    await eventually(() => a.lost.length === 33, 5_000, 'the fence');
    const check = freshPool(dbUrl.toString());
    const stillMine = await check.query(`SELECT count(*)::int AS n FROM cluster_leases WHERE owner = 'node-a' AND expires_at > now()`);
    expect(stillMine.rows[0].n).toBe(33); // dropped here while the table still gave them to node-a
    expect(a.manager.owned().size).toBe(0);
    proxy.close();
  });
});
