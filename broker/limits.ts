// Device-side limits of the broker: per-device message rate, connections per
// source IP, MQTT packet size, and a bound on publishes waiting in aedes' emitter.
// Pure mechanisms with an injected clock; broker.ts decides what a refusal looks like.
import type { Client } from 'aedes';
import { z } from 'zod';

// Numbers are coerced: the two most used come from environment variables (app/config.ts).
export const BrokerLimits = z.strictObject({
  /** Sustained publishes per second per device (token bucket refill); 0 turns the limit off. */
  messagesPerSecond: z.coerce.number().nonnegative().default(100),
  /** Bucket size: how many publishes a device may send at once after being quiet. */
  messageBurst: z.coerce.number().int().positive().default(200),
  /** Sustained new MQTT connections per minute per source IP; 0 turns the limit off. */
  connectionsPerMinute: z.coerce.number().nonnegative().default(600),
  connectionBurst: z.coerce.number().int().positive().default(200),
  /** Largest MQTT packet; a bigger one closes the connection as soon as its length is read. */
  maxPacketBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024),
  /** Publishes queued in aedes' emitter above which new publishes are held (their socket is not read). */
  maxQueuedPublishes: z.coerce.number().int().positive().default(1000),
  /**
   * Publishes let through per turn of the event loop; the rest are held until the next turn, so
   * a flood cannot keep HTTP, /ws and timers waiting behind one long turn (their sockets are not
   * read meanwhile: TCP backpressure slows the senders).
   */
  maxPublishesPerTurn: z.coerce.number().int().positive().default(2000),
  /** Held publishes above which new ones are shed with reason `overloaded` (a held client's socket
   *  is not read, so this bounds connections × one read chunk). */
  maxHeldPublishes: z.coerce.number().int().positive().default(100_000),
  /**
   * QoS 1/2 messages kept per persistent session (`clean: false`) for a subscriber that is
   * offline or has not acknowledged them; new ones beyond it are not kept (session-queue.ts).
   */
  maxSessionQueue: z.coerce.number().int().positive().default(10_000),
});
export type BrokerLimits = z.infer<typeof BrokerLimits>;
export type BrokerLimitsInput = z.input<typeof BrokerLimits>;

/** Token buckets by key (device id, IP). Full buckets are forgotten, so memory follows the busy keys only. */
export interface TokenBuckets {
  /** Take one token for `key`; false when its bucket is empty. */
  take(key: string): boolean;
  /** Milliseconds until `key` has a token again (0: it has one now). */
  waitMs(key: string): number;
  /** Keys with a bucket that is not full. */
  size(): number;
}

/** Buckets refilling `ratePerSecond` up to `burst`; rate 0 means unlimited. */
export function createTokenBuckets(ratePerSecond: number, burst: number, now: () => number = Date.now, maxKeys = 100_000): TokenBuckets {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const perMs = ratePerSecond / 1000;
  const sweep = (t: number) => {
    // A bucket that has refilled is the same as no bucket: dropping it loses nothing.
    for (const [k, b] of buckets) if (b.tokens + (t - b.at) * perMs >= burst) buckets.delete(k);
  };
  return {
    take(key) {
      if (ratePerSecond === 0) return true;
      const t = now();
      const b = buckets.get(key);
      if (b === undefined) {
        if (buckets.size >= maxKeys) sweep(t);
        buckets.set(key, { tokens: burst - 1, at: t });
        return true;
      }
      b.tokens = Math.min(burst, b.tokens + (t - b.at) * perMs);
      b.at = t;
      if (b.tokens < 1) return false;
      b.tokens -= 1;
      return true;
    },
    waitMs(key) {
      const b = buckets.get(key);
      if (ratePerSecond === 0 || b === undefined) return 0;
      return Math.max(0, (1 - b.tokens) / perMs - (now() - b.at));
    },
    size: () => buckets.size,
  };
}

/** The source IP of an MQTT client over TCP, TLS or WebSocket. */
export function remoteAddressOf(client: Client): string {
  const conn = client.conn as { remoteAddress?: string };
  return conn.remoteAddress ?? client.req?.socket?.remoteAddress ?? 'unknown';
}

// The parts of mqtt-packet's parser that the size cap hooks (aedes keeps it as client._parser).
interface PacketParser {
  packet: { length: number; cmd?: string };
  _parseLength(): boolean;
  _emitError(err: Error): void;
}

/**
 * Close the connection of a client whose next packet announces more than `maxBytes`, as soon as
 * its remaining length is read: aedes would otherwise buffer up to 256 MiB per packet first.
 * (aedes 1.2 passes no maxPacketSize to mqtt-packet, whose 3.1.1 parser has none anyway.)
 */
export function capPacketSize(client: Client, maxBytes: number, onTooLarge: (length: number, cmd: string | undefined) => void): void {
  const parser = (client as unknown as { _parser?: PacketParser })._parser;
  if (parser === undefined || typeof parser._parseLength !== 'function') return;
  const parseLength = parser._parseLength;
  parser._parseLength = function (this: PacketParser) {
    const ok = parseLength.call(this);
    if (ok && this.packet.length > maxBytes) {
      onTooLarge(this.packet.length, this.packet.cmd);
      this._emitError(new Error(`packet of ${this.packet.length} bytes is above the limit of ${maxBytes}`));
      return false;
    }
    return ok;
  };
}

/** Holds publishes while aedes' emitter is backed up or the turn's budget is spent, in arrival order; sheds beyond a bound. */
export interface PublishGate {
  /** Run `go` now, or later when there is room; returns false (and never runs it) when shed. */
  pass(go: () => void): boolean;
  stats(): { held: number; shed: number; waiting: number };
  close(): void;
}

export interface PublishGateOptions {
  /** Publishes queued in aedes' emitter (aedes.mq.length). */
  queued: () => number;
  maxQueued: number;
  maxHeld: number;
  /** Publishes let through per turn of the event loop (the pump counts too). */
  maxPerTurn: number;
}

/** A gate over the emitter's queue and a per-turn budget: beyond them publishes wait, beyond `maxHeld` they are shed. */
export function createPublishGate({ queued, maxQueued, maxHeld, maxPerTurn }: PublishGateOptions): PublishGate {
  const waiting = new Fifo<() => void>(); // tens of thousands may wait: Array.shift would copy them each time
  let held = 0;
  let shed = 0;
  let scheduled: NodeJS.Immediate | undefined;
  let closed = false;
  // The budget of this turn, restored in its check phase (after the poll phase that spends it).
  let spent = 0;
  let refill: NodeJS.Immediate | undefined;
  const spend = () => {
    spent++;
    refill ??= setImmediate(() => {
      refill = undefined;
      spent = 0;
    });
  };
  const room = () => spent < maxPerTurn && queued() < maxQueued;
  const pump = () => {
    scheduled = undefined;
    // A bounded number per turn, so sockets, timers and the emitter's callbacks get the loop in between.
    while (waiting.length > 0 && room()) {
      spend();
      waiting.shift()!();
    }
    if (waiting.length > 0 && !closed) scheduled = setImmediate(pump);
  };
  return {
    pass(go) {
      if (waiting.length === 0 && room()) {
        spend();
        go();
        return true;
      }
      if (waiting.length >= maxHeld) {
        shed++;
        return false;
      }
      held++;
      waiting.push(go);
      scheduled ??= setImmediate(pump);
      return true;
    },
    stats: () => ({ held, shed, waiting: waiting.length }),
    close() {
      closed = true;
      if (scheduled) clearImmediate(scheduled);
      if (refill) clearImmediate(refill);
      // Let every held publish finish: the broker is closing, aedes drops them itself.
      for (let go = waiting.shift(); go !== undefined; go = waiting.shift()) go();
    },
  };
}

/** A first-in first-out queue with O(1) shift (a head index, compacted now and then). */
export class Fifo<T> {
  private items: T[] = [];
  private head = 0;
  get length(): number {
    return this.items.length - this.head;
  }
  push(item: T): void {
    this.items.push(item);
  }
  shift(): T | undefined {
    if (this.head >= this.items.length) return undefined;
    const item = this.items[this.head]!;
    this.items[this.head++] = undefined as T;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return item;
  }
}
