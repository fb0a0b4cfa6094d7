// Cluster mode end to end: three `citysense start` processes on one real nats-server (JetStream)
// and one real PostgreSQL, talked to only over MQTT, HTTP and /ws. Devices publish to all three;
// an operator on node C sees the alerts of readings sent to node A; node A is killed with SIGKILL
// under load. Then: every PUBACKed reading is stored once, each device that crossed its line has
// exactly one incident, A's partitions are B's and C's within 10 s, and a /ws client that was on
// A resumes on B without missing or repeating a seq.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  clusterServersMissing,
  spawnService,
  startNats,
  startPostgres,
  type NatsServer,
  type Postgres,
  type SpawnedService,
} from '../../harness/index.js';

const TOKEN = 'cluster-test-operator-token-0123';
const BIN = join(import.meta.dirname, '../../bin/citysense.js');
const DEVICES = 36;
const READINGS = 30; // per device; reading 20 crosses the line, 25 falls back under it
const PARTITIONS = 32; // device and area partitions (cluster/partition.ts)

type Msg = { type: string; seq?: number; alert?: { deviceId: string; phase: string } };

/** A /ws client that records every message; `since` resumes. */
function wsClient(base: string, since?: number) {
  const ws = new WebSocket(`${base}?token=${TOKEN}`);
  const got: Msg[] = [];
  ws.on('message', (d) => got.push(JSON.parse(d.toString()) as Msg));
  ws.on('error', () => undefined);
  const open = new Promise<void>((r) => ws.once('open', () => r()));
  void open.then(() => ws.send(JSON.stringify(since === undefined ? { type: 'subscribe', filter: {} } : { type: 'resume', since })));
  // The log's messages (not the hello, whose seq says where the stream starts).
  return { ws, got, open, seqs: () => got.filter((m) => m.type === 'alert' || m.type === 'incident').map((m) => m.seq!) };
}

async function health(
  node: SpawnedService,
): Promise<{ cluster: { nodeId: string; partitions: Array<{ name: string }>; timers: boolean } }> {
  return (await fetch(`${node.http}/api/health`)).json() as never;
}

async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await Promise.resolve(fn()).catch(() => undefined);
    if (v !== undefined && v !== false) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A QoS 1 publish that fails when the connection goes (mqtt.js would keep it for a reconnect that never comes). */
const publishOrFail = (c: MqttClient, topic: string, payload: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const gone = () => reject(new Error('connection lost before the PUBACK'));
    if (!c.connected) return gone();
    c.once('close', gone);
    c.publish(topic, payload, { qos: 1 }, (err) => {
      c.off('close', gone);
      if (err) reject(err);
      else resolve();
    });
  });

const connect = (url: string, id: string): Promise<MqttClient> =>
  new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { clientId: id, protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000 });
    c.once('connect', () => resolve(c));
    c.once('error', reject);
  });

describe.skipIf(clusterServersMissing())('a three-node cluster', { timeout: 180_000 }, () => {
  let nats: NatsServer;
  let db: Postgres;
  const nodes: Record<'A' | 'B' | 'C', SpawnedService> = {} as never;
  const dirs: string[] = [];
  const t0 = Date.now() - 60_000;

  beforeAll(async () => {
    [nats, db] = await Promise.all([startNats(), startPostgres()]);
    const dir = mkdtempSync(join(tmpdir(), 'citysense-cluster-'));
    dirs.push(dir);
    const rules = join(dir, 'rules.yaml');
    writeFileSync(
      rules,
      [
        'rules:',
        '  - { id: level-high, version: 1, name: level high, kind: threshold, select: { kind: sensor, metric: level },',
        '      severity: orange, above: 50, clear: { below: 10 }, category: flood }',
        '',
      ].join('\n'),
    );
    const start = (id: 'A' | 'B' | 'C') => {
      const data = mkdtempSync(join(tmpdir(), `citysense-node-${id}-`));
      dirs.push(data);
      return spawnService({
        env: {
          CITYSENSE_NATS_URL: nats.url,
          CITYSENSE_DATABASE_URL: db.url,
          CITYSENSE_NODE_ID: id,
          CITYSENSE_OPERATOR_TOKEN: TOKEN,
          CITYSENSE_DATA_DIR: data,
          CITYSENSE_RULES: rules,
        },
      });
    };
    // One after the other: the first creates the schema and the stream, the others find them.
    nodes.A = await start('A');
    [nodes.B, nodes.C] = await Promise.all([start('B'), start('C')]);
    await until('the partitions shared by three nodes', async () => {
      const hs = await Promise.all(Object.values(nodes).map(health));
      const counts = hs.map((h) => h.cluster.partitions.length);
      return counts.every((n) => n > 0) && counts.reduce((a, b) => a + b, 0) === PARTITIONS ? counts : undefined;
    });
  }, 120_000);

  afterAll(async () => {
    for (const n of Object.values(nodes)) if (n?.proc.exitCode === null) n.proc.kill('SIGTERM');
    await Promise.all(Object.values(nodes).map((n) => n?.exited));
    await Promise.allSettled([nats?.close(), db?.close()]);
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('carries readings from any node to alerts on every node, and loses nothing when a node dies', async () => {
    const onC = wsClient(nodes.C.ws);
    const onA = wsClient(nodes.A.ws);
    await Promise.all([onC.open, onA.open]);

    // One device on A crosses its line: C's operator sees the alert.
    const first = await connect(nodes.A.mqtt, 'probe-1');
    await first.publishAsync('city/sensor/probe-1/telemetry', JSON.stringify({ ts: t0, metrics: { level: 80 } }), { qos: 1 });
    await until('the alert of a reading sent to A, on C', () => onC.got.find((m) => m.type === 'alert' && m.alert?.deviceId === 'probe-1'));
    first.end(true);

    // The load: every device publishes to one of the three nodes, awaiting each PUBACK.
    const urls = [nodes.A.mqtt, nodes.B.mqtt, nodes.C.mqtt];
    const acked = new Set<string>();
    let killedAt = 0;
    const device = async (i: number) => {
      const id = `dev-${i}`;
      let url = urls[i % 3]!;
      let client = await connect(url, id);
      for (let n = 0; n < READINGS;) {
        const level = n >= 20 && n < 25 ? 90 : 5;
        const ts = t0 + n * 1000;
        try {
          await publishOrFail(client, `city/sensor/${id}/telemetry`, JSON.stringify({ ts, metrics: { level, n } }));
          acked.add(`${id}:${ts}`);
          n++;
          if (n === 10 && i === 0) killedAt = killA();
          await new Promise((r) => setTimeout(r, 20));
        } catch {
          // The node is gone: the gateway fails over to another and sends the unacknowledged reading again.
          client.end(true);
          url = url === nodes.A.mqtt ? urls[1 + (i % 2)]! : url;
          client = await until(`a node for ${id}`, () => connect(url, id));
        }
      }
      client.end(true);
    };
    const killA = () => {
      nodes.A.proc.kill('SIGKILL');
      return Date.now();
    };
    await Promise.all(Array.from({ length: DEVICES }, (_, i) => device(i)));
    expect(killedAt).toBeGreaterThan(0);
    await nodes.A.exited;

    // A's partitions are B's and C's within 10 s of the kill.
    const takenAt = await until('A’s partitions on B and C', async () => {
      const hs = await Promise.all([health(nodes.B), health(nodes.C)]);
      const total = hs.reduce((a, h) => a + h.cluster.partitions.length, 0);
      return total === PARTITIONS && hs.some((h) => h.cluster.timers) ? Date.now() : undefined;
    });
    expect(takenAt - killedAt).toBeLessThan(10_000);
    // `citysense cluster status` says the same: A gone, every lease B's or C's.
    const status = JSON.parse(
      execFileSync(process.execPath, [BIN, 'cluster', 'status', '--json'], {
        env: { ...process.env, CITYSENSE_DATABASE_URL: db.url },
      }).toString(),
    ) as { nodes: Array<{ nodeId: string; alive: boolean }>; leases: Array<{ owner?: string; expiresAt: number }> };
    expect(status.nodes.find((n) => n.nodeId === 'A')?.alive ?? false).toBe(false);
    expect(status.leases).toHaveLength(PARTITIONS + 1);
    expect(status.leases.every((l) => l.owner === 'B' || l.owner === 'C')).toBe(true);
    const text = execFileSync(process.execPath, [BIN, 'cluster', 'status'], {
      env: { ...process.env, CITYSENSE_DATABASE_URL: db.url },
    }).toString();
    expect(text).toMatch(/^ {2}B +alive/m);
    expect(text).toMatch(/^ {2}C +alive/m);

    // Every PUBACKed reading is stored, once.
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const rows = await until('every acknowledged reading stored', async () => {
        const r = await client.query<{ device_id: string; ts: string }>(
          `SELECT device_id, ts::text AS ts FROM readings WHERE device_id LIKE 'dev-%'`,
        );
        const stored = new Set(r.rows.map((x) => `${x.device_id}:${Number(x.ts)}`));
        return [...acked].every((k) => stored.has(k)) ? r.rows : undefined;
      });
      const keys = rows.map((x) => `${x.device_id}:${Number(x.ts)}`);
      expect(new Set(keys).size).toBe(keys.length);
    } finally {
      await client.end();
    }

    // Each device crossed its line once: exactly one incident each, none lost, none doubled.
    const incidents = await until('one incident per device', async () => {
      const res = await fetch(`${nodes.B.http}/api/incidents?limit=500`, { headers: { authorization: `Bearer ${TOKEN}` } });
      const body = (await res.json()) as { incidents: Array<{ id: string; dedupKey?: string }> };
      const ours = body.incidents.filter((x) => x.dedupKey?.includes('dev-'));
      return ours.length >= DEVICES ? ours : undefined;
    });
    const perKey = new Map<string, number>();
    for (const x of incidents) perKey.set(x.dedupKey!, (perKey.get(x.dedupKey!) ?? 0) + 1);
    expect(perKey.size).toBe(DEVICES);
    expect([...perKey.values()].every((n) => n === 1)).toBe(true);

    // The client that was on A resumes on B from its last seq: with C's unbroken stream, nothing is
    // missing and nothing repeats.
    const lastOnA = Math.max(0, ...onA.seqs());
    const resumed = wsClient(nodes.B.ws, lastOnA);
    await resumed.open;
    const lastSeq = await until('C has every alert', () => {
      const s = onC.seqs();
      const raises = onC.got.filter((m) => m.type === 'alert' && m.alert?.phase === 'raise' && m.alert.deviceId.startsWith('dev-'));
      return new Set(raises.map((m) => m.alert!.deviceId)).size === DEVICES ? Math.max(...s) : undefined;
    });
    await until('B’s resumed client reaches the end', () => (Math.max(0, ...resumed.seqs()) >= lastSeq ? true : undefined));
    const merged = [...onA.seqs(), ...resumed.seqs()].filter((s) => s <= lastSeq);
    const cSeqs = onC.seqs().filter((s) => s <= lastSeq);
    expect(merged).toEqual(cSeqs);
    expect(cSeqs).toEqual([...cSeqs].sort((a, b) => a - b));
    expect(new Set(cSeqs).size).toBe(cSeqs.length);
    for (const c of [onC, onA, resumed]) c.ws.close();
  });

  it('applies a rule set accepted on one node on the others', async () => {
    const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const rules = [
      {
        id: 'level-high',
        version: 2,
        name: 'level high',
        kind: 'threshold',
        select: { kind: 'sensor', metric: 'level' },
        severity: 'red',
        above: 70,
        clear: { below: 10 },
        category: 'flood',
      },
    ];
    const put = await fetch(`${nodes.B.http}/api/rules`, { method: 'PUT', headers: auth, body: JSON.stringify({ rules }) });
    expect(put.status).toBe(200);
    const hash = ((await put.json()) as { hash: string }).hash;
    await until('C runs the set B accepted', async () => {
      const got = (await (await fetch(`${nodes.C.http}/api/rules`, { headers: auth })).json()) as { hash: string };
      return got.hash === hash ? true : undefined;
    });
  });
});
