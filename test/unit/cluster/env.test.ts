import { describe, expect, it } from 'vitest';
import { clusterFromEnv, defaultNodeId } from '../../../cluster/index.js';

const NATS = 'nats://127.0.0.1:4222';
const PG = 'postgres://citysense@db:5432/citysense';
const at = { hostname: 'node-a', pid: 42 };

describe('cluster settings from the environment', () => {
  it('is single-node mode without CITYSENSE_NATS_URL (an empty one counts as unset)', () => {
    expect(clusterFromEnv({}, at)).toEqual({ ok: true });
    expect(clusterFromEnv({ CITYSENSE_NATS_URL: '  ', PATH: '/bin' }, at)).toEqual({ ok: true });
  });

  it('reads the three variables, the node id defaulting to host-pid', () => {
    expect(clusterFromEnv({ CITYSENSE_NATS_URL: NATS, CITYSENSE_DATABASE_URL: PG }, at)).toEqual({
      ok: true,
      value: { natsUrl: NATS, databaseUrl: PG, nodeId: 'node-a-42' },
    });
    const env = {
      CITYSENSE_NATS_URL: `${NATS},tls://nats-2:4222`,
      CITYSENSE_DATABASE_URL: 'postgresql://db/x',
      CITYSENSE_NODE_ID: 'n_1.b-2',
    };
    expect(clusterFromEnv(env, at)).toEqual({
      ok: true,
      value: { natsUrl: `${NATS},tls://nats-2:4222`, databaseUrl: 'postgresql://db/x', nodeId: 'n_1.b-2' },
    });
  });

  it.each([
    [{ CITYSENSE_NATS_URL: NATS }, ['CITYSENSE_DATABASE_URL']],
    [{ CITYSENSE_NATS_URL: NATS, CITYSENSE_DATABASE_URL: '' }, ['CITYSENSE_DATABASE_URL']],
    [{ CITYSENSE_NATS_URL: NATS, CITYSENSE_DATABASE_URL: 'mysql://db/x' }, ['CITYSENSE_DATABASE_URL']],
    [{ CITYSENSE_NATS_URL: 'http://nats:4222', CITYSENSE_DATABASE_URL: PG }, ['CITYSENSE_NATS_URL']],
    [{ CITYSENSE_NATS_URL: `${NATS},`, CITYSENSE_DATABASE_URL: PG }, ['CITYSENSE_NATS_URL']],
    [{ CITYSENSE_NATS_URL: NATS, CITYSENSE_DATABASE_URL: PG, CITYSENSE_NODE_ID: 'a b' }, ['CITYSENSE_NODE_ID']],
    [{ CITYSENSE_NATS_URL: NATS, CITYSENSE_DATABASE_URL: PG, CITYSENSE_NODE_ID: 'n'.repeat(65) }, ['CITYSENSE_NODE_ID']],
    [{ CITYSENSE_NATS_URL: 'x', CITYSENSE_NODE_ID: '节点' }, ['CITYSENSE_NATS_URL', 'CITYSENSE_NODE_ID', 'CITYSENSE_DATABASE_URL']],
  ])('%j is refused, naming %j', (env, paths) => {
    const r = clusterFromEnv(env, at);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map((i) => i.path)).toEqual(paths);
    for (const i of r.issues) expect(i.message).not.toBe('');
  });

  it('a bad database URL is refused in single-node mode too: a typo should not wait for cluster mode', () => {
    const r = clusterFromEnv({ CITYSENSE_DATABASE_URL: 'db:5432' }, at);
    expect(r).toMatchObject({ ok: false, issues: [{ path: 'CITYSENSE_DATABASE_URL' }] });
  });

  it('squeezes an odd host name into a valid node id', () => {
    expect(defaultNodeId('web 1.example.com', 7)).toBe('web-1.example.com-7');
    const long = defaultNodeId('h'.repeat(100), 123456);
    expect(long).toHaveLength(64);
    expect(long.endsWith('-123456')).toBe(true);
    expect(defaultNodeId('', 1)).toBe('node-1');
  });
});
