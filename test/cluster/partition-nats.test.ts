// partitionOf against a live nats-server: the server's own `partition()` subject mapping puts
// every key in the same partition as our FNV-1a, so a server-side mapping and a publisher that
// computes the subject itself agree.
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PARTITIONS, partitionOf } from '../../cluster/index.js';
import { clusterServersMissing, startNats, type NatsServer } from '../../harness/cluster-servers.js';

const missing = clusterServersMissing();
if (missing) console.warn(`${missing}: cluster tests skipped`);

describe.skipIf(missing)('partitionOf is nats-server partition()', () => {
  let nats: NatsServer;
  let nc: NatsConnection;

  beforeAll(async () => {
    nats = await startNats({ config: `mappings: { "pin.*": "pout.{{partition(${PARTITIONS},1)}}.{{wildcard(1)}}" }\n` });
    nc = await connect({ servers: nats.url });
  });
  afterAll(async () => {
    await nc?.close();
    await nats?.close();
  });

  it('maps 500 device ids and grid cells (ASCII and not) to the partitions we compute', async () => {
    const keys = [
      ...Array.from({ length: 300 }, (_, i) => `sensor-${i}`),
      ...Array.from({ length: 150 }, (_, i) => `G-${i % 15}-${Math.floor(i / 15)}`),
      ...Array.from({ length: 50 }, (_, i) => `摄像头_${i}`),
    ];
    const seen = new Map<string, number>();
    const sub = nc.subscribe('pout.>', { max: keys.length });
    const done = (async () => {
      for await (const m of sub) {
        const [, p, key] = m.subject.split('.');
        seen.set(key!, Number(p));
      }
    })();
    for (const k of keys) nc.publish(`pin.${k}`, new Uint8Array());
    await nc.flush();
    await done;
    expect(seen.size).toBe(keys.length);
    for (const k of keys) expect([k, seen.get(k)]).toEqual([k, partitionOf(k)]);
  });
});
