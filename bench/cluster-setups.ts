// The two setups `npm run bench -- --cluster N` compares, behind one face: one `citysense start`
// on its embedded SQLite, and N nodes sharing a real nats-server (JetStream) and a real
// PostgreSQL on this box. Each says where devices connect, where the alert probe goes in and
// comes out, how many readings were stored, and how much CPU each process has used.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startNats, startPostgres } from '../harness/index.js';
import { devicePartition } from '../cluster/index.js';
import { cpuMs, scrape, startService, treeCpuMs, type ServiceProc } from './procs.js';

/** The latency probe's device (bench/latency.ts). */
const PROBE_DEVICE = 'bench-probe-1';
/** Device and area partitions: every one owned before the load starts (cluster/partition.ts). */
const PARTITIONS = 32;

export interface NodeBooks {
  name: string;
  /** Readings accepted by ingest on this node's MQTT. */
  accepted: number;
  /** Readings this node wrote to the store: as a partition owner, in cluster mode. */
  written: number;
  /** Detections its rules raised and cleared. */
  detections: number;
  /** Telemetry rows its sink gave up on (buffer overflow, refused by the store). */
  dropped: number;
}

export interface Setup {
  name: string;
  token: string;
  /** MQTT URLs the load's devices are spread over. */
  mqttUrls: string[];
  /** Where the probe publishes and where its alert is awaited, and what the path crosses. */
  probe: { mqtt: string; ws: string; path: string; ownerMetrics(): Promise<Record<string, number>> };
  /** Readings written to the store so far by every node (in a cluster, a partition read again after it moved is written again). */
  written(): Promise<number>;
  /** Readings in the store: each once. */
  stored(): Promise<number>;
  nodes(): Promise<NodeBooks[]>;
  /** Each partition's lease epoch, over every node: one that changed moved, or was taken again. */
  epochs(): Promise<Record<string, number>>;
  /** CPU ms used so far, by process (a node, nats-server, PostgreSQL with its backends). */
  cpu(): Record<string, number>;
  /** Readings on the log not yet read by their partition's owner (0 for one process). */
  lag(): Promise<number>;
  /** Warnings and errors the services logged, by node. */
  logged(): Record<string, string[]>;
  stop(): Promise<void>;
}

/**
 * `fn` again after a failed attempt (twice at most): a keep-alive connection the service closed
 * as the request went out resets it, and a node whose event loop is held up closes them late.
 */
async function retried<T>(fn: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (attempt >= 3) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

const health = (s: ServiceProc): Promise<any> => retried(async () => (await fetch(`${s.http}/api/health`)).json());
const metricsOf = (s: ServiceProc) => retried(() => scrape(s.http));

/** What one node's /metrics and /api/health say it did. */
async function booksOf(name: string, s: ServiceProc, written: () => Promise<number>): Promise<NodeBooks> {
  const m = await metricsOf(s);
  let detections = 0;
  for (const [k, v] of Object.entries(m)) if (k.startsWith('citysense_detections_total')) detections += v;
  // SQLite's sink counts on /metrics, PostgreSQL's in /api/health.
  const pgSink = (await health(s)).store.telemetry as { dropped: number; refused: number } | undefined;
  const dropped = m['citysense_telemetry_dropped_total'] ?? (pgSink ? pgSink.dropped + pgSink.refused : 0);
  return { name, accepted: m['citysense_readings_accepted_total'] ?? 0, written: await written(), detections, dropped };
}

/** Keep the warn-or-worse lines of a service's pino log (stdout, JSON lines). */
function keepWarnings(svc: ServiceProc, into: string[]) {
  let rest = '';
  svc.proc.stdout!.on('data', (d: Buffer) => {
    const lines = (rest + d.toString()).split('\n');
    rest = lines.pop() ?? '';
    for (const l of lines) {
      if (!l.startsWith('{')) continue;
      try {
        const j = JSON.parse(l) as { level?: number; msg?: string; err?: { message?: string } | string };
        if ((j.level ?? 0) >= 40) into.push(`${j.msg ?? ''}${j.err ? `: ${typeof j.err === 'string' ? j.err : j.err.message}` : ''}`);
      } catch {
        into.push(l.slice(0, 200));
      }
    }
  });
}

/** One `citysense start`, no cluster: SQLite, PUBACK after the group commit. */
export async function singleNode(rules: string): Promise<Setup> {
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-single-'));
  const svc = await startService({ CITYSENSE_DATA_DIR: dataDir, CITYSENSE_RULES: rules, CITYSENSE_FLOWS: '0' });
  const warnings: string[] = [];
  keepWarnings(svc, warnings);
  const written = async () => (await metricsOf(svc))['citysense_telemetry_written_total{what="reading"}'] ?? 0;
  return {
    name: 'single',
    token: svc.token,
    mqttUrls: [svc.mqtt],
    probe: { mqtt: svc.mqtt, ws: svc.ws, path: 'one process', ownerMetrics: () => metricsOf(svc) },
    written,
    stored: written,
    nodes: async () => [await booksOf('single', svc, written)],
    epochs: async () => ({}),
    cpu: () => ({ single: cpuMs(svc.proc.pid!) }),
    lag: async () => 0,
    logged: () => ({ single: warnings }),
    async stop() {
      await svc.stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `count` nodes on one nats-server and one PostgreSQL, every partition owned. */
export async function clusterOf(count: number, rules: string): Promise<Setup> {
  const [nats, db] = await Promise.all([startNats(), startPostgres()]);
  const dirs: string[] = [];
  const warnings: Record<string, string[]> = {};
  const start = async (i: number) => {
    const dir = mkdtempSync(join(tmpdir(), `bench-node${i + 1}-`));
    dirs.push(dir);
    const svc = await startService({
      CITYSENSE_NATS_URL: nats.url,
      CITYSENSE_DATABASE_URL: db.url,
      CITYSENSE_NODE_ID: `node${i + 1}`,
      CITYSENSE_DATA_DIR: dir,
      CITYSENSE_RULES: rules,
      CITYSENSE_FLOWS: '0',
    });
    keepWarnings(svc, (warnings[`node${i + 1}`] = []));
    return svc;
  };
  // The first makes the schema and the stream, the others find them.
  const nodes = [await start(0)];
  nodes.push(...(await Promise.all(Array.from({ length: count - 1 }, (_, i) => start(i + 1)))));
  const names = nodes.map((_, i) => `node${i + 1}`);
  const shares = await until('every partition owned', 60_000, async () => {
    const hs = await Promise.all(nodes.map(health));
    const owned = hs.map((h) => (h.cluster.partitions as Array<{ name: string }>).map((p) => p.name));
    const balanced = owned.every((o) => o.length > 0) && owned.flat().length === PARTITIONS && hs.some((h) => h.cluster.timers);
    return balanced ? owned : undefined;
  });
  // The probe's worst path: in on a node that does not own its partition, out on a third.
  const owner = shares.findIndex((o) => o.includes(devicePartition(PROBE_DEVICE)));
  const inAt = count > 1 ? (owner + 1) % count : owner;
  const outAt = count > 2 ? (owner + 2) % count : count > 1 ? owner : inAt;
  const writtenBy = async (s: ServiceProc) => ((await health(s)).store.telemetry?.readingsWritten as number | undefined) ?? 0;
  const sql = new pg.Client({ connectionString: db.url });
  await sql.connect();
  return {
    name: `cluster of ${count}`,
    token: nodes[0]!.token,
    mqttUrls: nodes.map((n) => n.mqtt),
    probe: {
      mqtt: nodes[inAt]!.mqtt,
      ws: nodes[outAt]!.ws,
      path: `MQTT on ${names[inAt]} → rules on ${names[owner]} → /ws on ${names[outAt]}`,
      ownerMetrics: () => metricsOf(nodes[owner]!),
    },
    written: async () => (await Promise.all(nodes.map(writtenBy))).reduce((a, b) => a + b, 0),
    stored: async () => Number((await sql.query<{ n: string }>('SELECT count(*) AS n FROM readings')).rows[0]!.n),
    nodes: () => Promise.all(nodes.map((n, i) => booksOf(names[i]!, n, () => writtenBy(n)))),
    epochs: async () => {
      const out: Record<string, number> = {};
      for (const h of await Promise.all(nodes.map(health)))
        for (const p of h.cluster.partitions as Array<{ name: string; epoch: number }>) out[p.name] = p.epoch;
      return out;
    },
    cpu: () => {
      const out: Record<string, number> = {};
      nodes.forEach((n, i) => (out[names[i]!] = cpuMs(n.proc.pid!)));
      out.nats = cpuMs(nats.pid()!);
      out.postgres = treeCpuMs(db.pid()!);
      return out;
    },
    lag: async () => {
      const hs = await Promise.all(nodes.map(health));
      return hs.flatMap((h) => h.cluster.partitions as Array<{ lag?: number }>).reduce((a, p) => a + (p.lag ?? 0), 0);
    },
    logged: () => warnings,
    async stop() {
      await sql.end().catch(() => undefined);
      await Promise.all(nodes.map((n) => n.stop()));
      await Promise.allSettled([nats.close(), db.close()]);
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    },
  };
}

async function until<T>(what: string, ms: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
