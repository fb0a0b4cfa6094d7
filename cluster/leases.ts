// Partition leases (DESIGN.md § Beyond one machine): one owner per partition at a time. Every
// `renewMs` a node heartbeats, renews what it holds, and balances: it takes free or expired
// leases while it holds fewer than its share (names / live nodes, rounded up) and gives back
// what it holds beyond its share when a node joins. A node that cannot reach the database
// fences itself (drops everything) before its leases can expire for the others.
import { performance } from 'node:perf_hooks';
import type pg from 'pg';
import type { Logger } from 'pino';
import { messageOf } from './errors.js';
import { leaseSql, type ClusterStatus, type HeldLease } from './lease-sql.js';
import { ALL_LEASES, fnv1a32 } from './partition.js';
import { ensureClusterSchema } from './schema.js';

export interface LeaseManagerOptions {
  pool: pg.Pool;
  /** Unique in the cluster: two processes under one id would take each other's leases for their own. */
  nodeId: string;
  names: readonly string[];
  ttlMs?: number;
  renewMs?: number;
  /** Shown beside the node in `status()` (address, version, …). */
  info?: () => object;
  /** Start the partition; the lease counts as live once this resolves. A rejection gives the lease back (no onLost follows). */
  onAcquired: (name: string, epoch: number) => Promise<void> | void;
  /** Stop the partition now: another node may take it. Once per acquisition, never before onAcquired settled. */
  onLost: (name: string, epoch: number) => void;
  logger?: Logger;
}

export interface LeaseManager {
  /** Live leases (onAcquired finished) and their epochs. */
  owned(): ReadonlyMap<string, number>;
  status(): Promise<ClusterStatus>;
  /**
   * Stop renewing (after the round in progress, which waits on the database). `release` (default
   * true): wait for pending onAcquired, call onLost for each lease, and give them back at once,
   * leaving the node list. `release: false` is a death, for tests: nothing is told or given back.
   */
  stop(opts?: { release?: boolean }): Promise<void>;
}

interface Holding {
  epoch: number;
  live: boolean;
  /** Lost while onAcquired ran: onLost follows once it has. */
  lost: boolean;
  told: boolean;
}

const sleep = (ms: number, cancel: Promise<void>) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    void cancel.then(() => {
      clearTimeout(t);
      resolve();
    });
  });

/** Start holding a fair share of `names`; resolves once the tables and lease rows exist, then works in the background. */
export async function startLeaseManager(o: LeaseManagerOptions): Promise<LeaseManager> {
  const ttlMs = o.ttlMs ?? 5_000;
  const renewMs = o.renewMs ?? 1_000;
  // The fence falls a fifth of the TTL before the last renewal can run out; renewals come often
  // enough that a couple may fail before it does.
  const fenceAfterMs = ttlMs - ttlMs / 5;
  if (!(renewMs > 0 && renewMs * 3 <= ttlMs)) throw new RangeError(`renewMs (${renewMs}) must be at most a third of ttlMs (${ttlMs})`);
  const log = o.logger?.child({ stage: 'cluster', nodeId: o.nodeId });
  const sql = leaseSql(o.pool, o.nodeId, ttlMs);
  // Each node starts its search at its own place in the list, so nodes starting together spread.
  const start = fnv1a32(o.nodeId) % Math.max(1, o.names.length);
  const preference = [...o.names.slice(start), ...o.names.slice(0, start)];

  const held = new Map<string, Holding>();
  const cooling = new Map<string, number>();
  const acquiring = new Set<Promise<void>>();
  let stopped = false;
  let stopSignal!: () => void;
  const stopping = new Promise<void>((r) => (stopSignal = r));
  let fenceTimer: NodeJS.Timeout | undefined;
  let reachable = true;
  let rounds = 0;

  const tell = (name: string, h: Holding) => {
    if (h.told) return;
    h.told = true;
    try {
      o.onLost(name, h.epoch);
    } catch (err) {
      log?.error({ err, name, epoch: h.epoch }, 'onLost failed');
    }
  };
  /** Drop a lease here: onLost now if live, once onAcquired has settled if not. */
  const drop = (name: string) => {
    const h = held.get(name);
    if (!h) return;
    held.delete(name);
    if (h.live) tell(name, h);
    else h.lost = true;
  };
  const fence = () => {
    if (held.size === 0) return;
    log?.error({ leases: [...held.keys()], fenceAfterMs }, 'database unreachable: dropping every lease before it can expire');
    for (const name of [...held.keys()]) drop(name);
  };
  const armFence = (renewedAt: number) => {
    clearTimeout(fenceTimer);
    fenceTimer = setTimeout(fence, Math.max(0, renewedAt + fenceAfterMs - performance.now()));
  };
  const heldList = (): HeldLease[] => [...held].map(([name, h]) => ({ name, epoch: h.epoch }));

  const begin = (lease: HeldLease) => {
    const h: Holding = { epoch: lease.epoch, live: false, lost: false, told: false };
    held.set(lease.name, h);
    log?.info(lease, 'lease acquired');
    const run = (async () => {
      try {
        await o.onAcquired(lease.name, lease.epoch);
      } catch (err) {
        log?.error({ err, ...lease }, 'onAcquired failed: giving the lease back');
        if (held.get(lease.name) === h) held.delete(lease.name);
        cooling.set(lease.name, performance.now() + ttlMs);
        await sql.release([lease]).catch((e: unknown) => log?.warn({ err: messageOf(e), ...lease }, 'lease not given back'));
        return;
      }
      if (h.lost || held.get(lease.name) !== h) tell(lease.name, h);
      else h.live = true;
    })();
    acquiring.add(run);
    void run.finally(() => acquiring.delete(run));
  };

  const balance = async () => {
    const live = Math.max(1, await sql.liveNodes());
    const share = Math.ceil(o.names.length / live);
    if (held.size < share) {
      const now = performance.now();
      const candidates = preference.filter((n) => !held.has(n) && !((cooling.get(n) ?? 0) > now));
      const got = await sql.acquire(candidates, share - held.size);
      if (!stopped) for (const lease of got) begin(lease);
      else await sql.release(got);
    } else if (held.size > share) {
      // Only what has finished starting: giving back a lease still starting would thrash.
      const extra = preference.filter((n) => held.get(n)?.live).slice(-(held.size - share));
      const gone = extra.map((name) => ({ name, epoch: held.get(name)!.epoch }));
      for (const { name } of gone) drop(name);
      await sql.release(gone);
      if (gone.length > 0) log?.info({ leases: gone.map((g) => g.name), share }, 'leases given back to even the load');
    }
  };

  const round = async () => {
    const startedAt = performance.now();
    await sql.heartbeat(o.info?.() ?? {});
    const mine = heldList();
    const renewed = new Set((await sql.renew(mine)).map((l) => `${l.name}@${l.epoch}`));
    if (stopped) return;
    // A renewal that came back after the fence point proves nothing: the fence may have fired.
    if (performance.now() - startedAt >= fenceAfterMs) throw new Error('lease renewal answered too late');
    for (const l of mine) {
      if (held.get(l.name)?.epoch === l.epoch && !renewed.has(`${l.name}@${l.epoch}`)) {
        log?.warn(l, 'lease lost: renewal refused');
        drop(l.name);
      }
    }
    armFence(startedAt);
    if (!reachable) log?.info('database reachable again');
    reachable = true;
    const stray = await sql.releaseStray(o.names, [...held.keys()]);
    if (stray.length > 0) log?.warn({ leases: stray }, 'leases held in the table but not here: given back');
    // The first round only announces the node: nodes starting together then see each other
    // before taking anything, instead of the first taking all and giving most of it back.
    if (rounds++ > 0) await balance();
  };

  const loop = async () => {
    while (!stopped) {
      const t0 = performance.now();
      try {
        await round();
      } catch (err) {
        if (reachable) log?.warn({ err: messageOf(err) }, 'lease round failed');
        reachable = false;
      }
      await sleep(Math.max(0, renewMs - (performance.now() - t0)), stopping);
    }
  };

  await ensureClusterSchema(o.pool);
  await sql.seed(o.names);
  await sql.prune();
  const looping = loop();

  return {
    owned: () => new Map([...held].filter(([, h]) => h.live).map(([name, h]) => [name, h.epoch])),
    status: () => sql.status(o.names),
    async stop({ release = true } = {}) {
      if (stopped) return;
      stopped = true;
      stopSignal();
      await looping;
      clearTimeout(fenceTimer);
      if (!release) return;
      await Promise.allSettled([...acquiring]);
      const leases = heldList();
      for (const { name } of leases) drop(name);
      await sql.release(leases);
      await sql.leave();
      log?.info({ leases: leases.map((l) => l.name) }, 'leases given back: node left');
    },
  };
}

/** The cluster as PostgreSQL sees it (for `citysense cluster status`): nodes and every lease. */
export function readClusterStatus(pool: pg.Pool, ttlMs = 5000): Promise<ClusterStatus> {
  return leaseSql(pool, '', ttlMs).status(ALL_LEASES);
}
