// Rule-state checkpoints against a real PostgreSQL: state and stream position round-trip per
// partition, and a save is fenced by the partition lease: a former owner's late save changes
// nothing, and a save that passed the check commits before another node can take the partition.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCheckpoints, holdsLease } from '../../cluster/index.js';
import { clusterServersMissing, startPostgres, type Postgres } from '../../harness/cluster-servers.js';
import { eventually } from './helpers.js';
import { leaseNodes } from './lease-nodes.js';

const missing = clusterServersMissing();
if (missing) console.warn(`${missing}: cluster tests skipped`);

describe.skipIf(missing)('checkpoints fenced by the partition lease (real PostgreSQL)', () => {
  let postgres: Postgres;
  const { freshPool, startNode, cleanup, logger, lines } = leaseNodes(() => postgres, 'checkpoints');

  beforeAll(async () => {
    postgres = await startPostgres();
  });
  afterEach(() => cleanup());
  afterAll(async () => {
    await postgres?.close();
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
