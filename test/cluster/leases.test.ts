// Partition leases against a real PostgreSQL: nodes share the 33 partitions evenly, a dead
// node's partitions move to the survivors under new epochs, a joining node gets its share, a
// node cut off from the database drops its leases before they can expire, and a former owner's
// checkpoint is refused once another node holds the partition.
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ALL_LEASES,
  createCheckpoints,
  holdsLease,
  startLeaseManager,
  type LeaseManager,
  type LeaseManagerOptions,
} from '../../cluster/index.js';
import { clusterServersMissing, startPostgres, type Postgres } from '../../harness/cluster-servers.js';
import { eventually, recordingLogger } from './helpers.js';
import { startTcpProxy } from './tcp-proxy.js';

const missing = clusterServersMissing();
if (missing) console.warn(`${missing}: cluster tests skipped`);

const TTL = 2_000;
const RENEW = 250;

interface Node {
  id: string;
  manager: LeaseManager;
  acquired: Array<[string, number]>;
  lost: Array<[string, number]>;
  dead: boolean;
}

describe.skipIf(missing)('partition leases in PostgreSQL (real server)', () => {
  let postgres: Postgres;
  let dbCount = 0;
  const pools: pg.Pool[] = [];
  const nodes: Node[] = [];
  const { logger, lines } = recordingLogger();

  beforeAll(async () => {
    postgres = await startPostgres();
  });
  afterEach(async () => {
    await Promise.all(nodes.splice(0).map((n) => (n.dead ? undefined : n.manager.stop({ release: false }))));
    await Promise.all(pools.splice(0).map((p) => p.end()));
  });
  afterAll(async () => {
    await postgres?.close();
  });

  const freshPool = (url = postgres.createDatabase(`leases_${++dbCount}`)) => {
    const pool = new pg.Pool({ connectionString: url, max: 4 });
    pool.on('error', () => undefined); // idle clients cut off by a test's proxy
    pools.push(pool);
    return pool;
  };

  const startNode = async (pool: pg.Pool, id: string, extra: Partial<LeaseManagerOptions> = {}): Promise<Node> => {
    const acquired: Array<[string, number]> = [];
    const lost: Array<[string, number]> = [];
    const manager = await startLeaseManager({
      pool,
      nodeId: id,
      names: ALL_LEASES,
      ttlMs: TTL,
      renewMs: RENEW,
      info: () => ({ http: `http://${id}:8080` }),
      onAcquired: (name, epoch) => void acquired.push([name, epoch]),
      onLost: (name, epoch) => void lost.push([name, epoch]),
      logger,
      ...extra,
    });
    const node = { id, manager, acquired, lost, dead: false };
    nodes.push(node);
    return node;
  };

  /** Every name held live by exactly one of `live`, and how many each holds; undefined while a name has no owner. */
  const shares = (live: readonly Node[]) => {
    const owners = new Map<string, string[]>();
    for (const n of live) for (const name of n.manager.owned().keys()) owners.set(name, [...(owners.get(name) ?? []), n.id]);
    for (const ids of owners.values()) expect(ids, 'a name with two live owners').toHaveLength(1);
    if (owners.size !== ALL_LEASES.length) return undefined;
    return live.map((n) => n.manager.owned().size);
  };

  it('three nodes share the 33 partitions 11 each, every one owned exactly once', async () => {
    // Each on its own connections, starting together on an empty database: the tables are made once.
    const url = postgres.createDatabase(`leases_${++dbCount}`);
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
    const dbUrl = new URL(postgres.createDatabase(`leases_${++dbCount}`));
    const proxy = await startTcpProxy(Number(dbUrl.port));
    const via = new URL(dbUrl);
    via.port = String(proxy.port);
    const a = await startNode(freshPool(via.toString()), 'node-a');
    await eventually(() => a.manager.owned().size === 33, 10_000, 'all 33');
    proxy.blackhole(); // queries now hang: no error, no answer
    await eventually(() => a.lost.length === 33, 5_000, 'the fence');
    const check = new pg.Pool({ connectionString: dbUrl.toString() });
    pools.push(check);
    const stillMine = await check.query(`SELECT count(*)::int AS n FROM cluster_leases WHERE owner = 'node-a' AND expires_at > now()`);
    expect(stillMine.rows[0].n).toBe(33); // dropped here while the table still gave them to node-a
    expect(a.manager.owned().size).toBe(0);
    proxy.close();
  });

  it('fencing: once another node holds the partition, the former owner’s checkpoint changes nothing', async () => {
    const pool = freshPool();
    const checkpoints = createCheckpoints(pool, { logger });
    const a = await startNode(pool, 'node-a');
    await eventually(() => a.manager.owned().size === 33, 10_000, 'all 33');
    const oldEpoch = a.manager.owned().get('d3')!;
    const entry = { ruleId: 'water-high', ruleVersion: 1, ruleHash: 'h1', key: 'sensor-1', state: { level: 'orange' } };
    expect(await checkpoints.save('d3', { nodeId: 'node-a', epoch: oldEpoch, entries: [entry], streamSeq: 10 })).toBe(true);
    await a.manager.stop({ release: false });
    a.dead = true;
    const b = await startNode(pool, 'node-b');
    await eventually(() => b.manager.owned().size === 33, 10_000, 'node-b holding all');
    const newEpoch = b.manager.owned().get('d3')!;
    expect(newEpoch).toBe(oldEpoch + 1);
    const late = { ...entry, state: { level: 'red' } };
    expect(await checkpoints.save('d3', { nodeId: 'node-a', epoch: oldEpoch, entries: [late], streamSeq: 20, liveRuleHashes: [] })).toBe(
      false,
    );
    expect(await checkpoints.load('d3')).toEqual({ entries: [entry], streamSeq: 10 });
    // Nor may the new owner write under the old epoch, nor anyone for a partition it does not hold.
    expect(await checkpoints.save('d3', { nodeId: 'node-b', epoch: oldEpoch, entries: [late], streamSeq: 20 })).toBe(false);
    expect(await checkpoints.save('nowhere', { nodeId: 'node-b', epoch: 1, entries: [late], streamSeq: 20 })).toBe(false);
    expect(await checkpoints.save('d3', { nodeId: 'node-b', epoch: newEpoch, entries: [late], streamSeq: 20 })).toBe(true);
    expect(await checkpoints.load('d3')).toEqual({ entries: [late], streamSeq: 20 });
  });

  it('fencing: a save that passed the check commits before anyone else can take the partition', async () => {
    const pool = freshPool();
    const checkpoints = createCheckpoints(pool, { logger });
    const a = await startNode(pool, 'node-a');
    await eventually(() => a.manager.owned().size === 33, 10_000, 'all 33');
    const epoch = a.manager.owned().get('d3')!;
    const client = await pool.connect();
    await client.query('BEGIN');
    expect(await holdsLease(client, 'd3', 'node-a', epoch)).toBe(true); // the lease row is now locked
    await a.manager.stop({ release: false });
    a.dead = true;
    const loaded: number[] = [];
    const b = await startNode(pool, 'node-b', {
      onAcquired: async (name) => {
        if (name === 'd3') loaded.push((await checkpoints.load('d3')).streamSeq);
      },
    });
    // Node-a's leases run out, but d3 stays node-a's while its transaction is open.
    await eventually(() => b.manager.owned().size === 32, 10_000, 'node-b holding the other 32');
    expect(b.manager.owned().has('d3')).toBe(false);
    await client.query(`INSERT INTO cluster_checkpoints VALUES ('d3', 77, $1, 'node-a', now())`, [epoch]);
    await client.query('COMMIT');
    client.release();
    await eventually(() => b.manager.owned().has('d3'), 10_000, 'node-b taking d3 after the commit');
    expect(loaded).toEqual([77]);
  });

  it('checkpoints: rule state and stream position round-trip per partition; removed rules go', async () => {
    const pool = freshPool();
    const checkpoints = createCheckpoints(pool, { logger });
    expect(await checkpoints.load('a7')).toEqual({ entries: [], streamSeq: 0 });
    const a = await startNode(pool, 'node-a');
    await eventually(() => a.manager.owned().size === 33, 10_000, 'all 33');
    const epochOf = (name: string) => a.manager.owned().get(name)!;
    const e1 = {
      ruleId: 'water-high',
      ruleVersion: 3,
      ruleHash: 'h-water',
      key: '传感器-1',
      state: { since: 1.5, levels: [0.1, 'x'] },
      wakeAt: 1_700_000_000_123,
    };
    const e2 = { ruleId: 'crowd', ruleVersion: 1, ruleHash: 'h-crowd', key: 'G-1-2', state: null };
    const e2b = { ...e2, state: { count: 2 } };
    expect(await checkpoints.save('a7', { nodeId: 'node-a', epoch: epochOf('a7'), entries: [e1, e2, e2b], streamSeq: 41 })).toBe(true);
    expect(await checkpoints.save('d0', { nodeId: 'node-a', epoch: epochOf('d0'), entries: [e2], streamSeq: 7 })).toBe(true);
    expect(await checkpoints.load('a7')).toEqual({ entries: [e2b, e1], streamSeq: 41 });
    // A later save upserts the slots given and moves the position; rule hashes no longer live go.
    const e1b = { ...e1, state: { since: 2 } };
    expect(
      await checkpoints.save('a7', { nodeId: 'node-a', epoch: epochOf('a7'), entries: [e1b], streamSeq: 99, liveRuleHashes: ['h-water'] }),
    ).toBe(true);
    expect(await checkpoints.load('a7')).toEqual({ entries: [e1b], streamSeq: 99 });
    expect(await checkpoints.load('d0')).toEqual({ entries: [e2], streamSeq: 7 });
    // A row that is not a rule state entry (written by hand, or by another version) is dropped with a log.
    await pool.query(`INSERT INTO cluster_rule_state VALUES ('d0', 'h-bad', 'k', '{"ruleId": 5}', now())`);
    expect(await checkpoints.load('d0')).toEqual({ entries: [e2], streamSeq: 7 });
    expect(lines.some((l) => l.msg === 'saved rule state is not a valid entry: dropped' && l.ruleHash === 'h-bad')).toBe(true);
  });
});
