// The load of the benches: generator processes (bench/generator.ts) started together and summed,
// the wait for a store to stop growing, and the bench's number format.
import { worker } from './procs.js';

export const log = (s: string) => console.log(`[bench] ${s}`);

export const fmt = (n: number | undefined, d = 0) =>
  n === undefined || Number.isNaN(n) ? '—' : n.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

export interface LoadOptions {
  /** Brokers the devices are spread over, round-robin. */
  urls: string[];
  generators: number;
  /** Devices (connections) per generator. */
  connections: number;
  /** Total publishes/s over all generators; 0 = as fast as the brokers take them. */
  rate: number;
  ms: number;
  prefix: string;
  qos?: 0 | 1;
  /** Publishes at most, over all generators. */
  limit?: number;
  /** At QoS 1, unacknowledged publishes per device at most. */
  window?: number;
  /** Every publish with a `ts` of its own (bench/generator.ts). */
  stamp?: boolean;
}

export interface LoadResult {
  sent: number;
  /** Written to a socket (QoS 0) or acknowledged (QoS 1). */
  written: number;
  failed: number;
  t0: number;
  elapsedMs: number;
  /** When the last write (QoS 1: the last PUBACK) came, in ms from the start. */
  lastWrittenMs: number;
}

interface Done {
  sent: number;
  written: number;
  failed: number;
  closes: number;
  reasons: string[];
  elapsedMs: number;
  lastWrittenMs: number;
}

/** Start the generators; `done` resolves when they finish or after `stop()`. */
export async function startLoad(o: LoadOptions) {
  const gens = Array.from({ length: o.generators }, (_, g) =>
    worker('generator.ts', {
      url: o.urls[0],
      urls: o.urls,
      connections: o.connections,
      rate: o.rate / o.generators,
      durationMs: o.ms,
      seed: 42 + g,
      prefix: `${o.prefix}g${g}-`,
      qos: o.qos ?? 0,
      ...(o.limit !== undefined ? { limit: Math.ceil(o.limit / o.generators) } : {}),
      ...(o.window !== undefined ? { window: o.window } : {}),
      stamp: o.stamp ?? false,
    }),
  );
  await Promise.all(gens.map((g) => g.next('ready')));
  const t0 = performance.now();
  // A generator is done once its sockets took every publish. At the maximum rate from hundreds of
  // connections the kernel's socket buffers hold minutes of backlog for the service to work off
  // (200 connections × a few MB); the figures count it (settle), so the wait is long but bounded.
  const finished = Promise.all(gens.map((g) => g.next<Done>('done', o.ms + 300_000)));
  for (const g of gens) g.proc.send({ type: 'go' });
  const done = finished.then(async (all): Promise<LoadResult> => {
    await Promise.all(gens.map((g) => g.stop()));
    const sum = (k: 'sent' | 'written' | 'failed' | 'closes') => all.reduce((a, d) => a + d[k], 0);
    // Connections that closed before the end of the load: their publishes may not have arrived.
    const reasons = [...new Set(all.flatMap((d) => d.reasons))];
    if (sum('closes') > 0)
      log(`WARNING: ${o.prefix}: ${sum('closes')} connection(s) closed during the load (${reasons.join('; ') || 'by the broker'})`);
    return {
      sent: sum('sent'),
      written: sum('written'),
      failed: sum('failed'),
      t0,
      elapsedMs: Math.max(...all.map((d) => d.elapsedMs)),
      lastWrittenMs: Math.max(...all.map((d) => d.lastWrittenMs)),
    };
  });
  return { done, stop: () => gens.forEach((g) => g.proc.connected && g.proc.send({ type: 'stop' })) };
}

/**
 * Poll `read` until it stops growing for 1.5 s and `done` (when given) holds, bounded; returns the
 * value and when it last grew.
 */
export async function settle(read: () => Promise<number>, boundMs = 60_000, done?: () => Promise<boolean>) {
  let last = await read();
  let at = performance.now();
  const until = Date.now() + boundMs;
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 250));
    const v = await read();
    if (v !== last) {
      last = v;
      at = performance.now();
    } else if (performance.now() - at > 1500 && (!done || (await done()))) break;
  }
  return { value: last, at };
}
