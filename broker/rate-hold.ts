// The device rate limit as backpressure, not refusal: a publish above its device's rate waits,
// in its client's arrival order, until the device's token bucket has a token, then goes on
// (publish gate, ack gate). aedes reads a client's next socket chunk only once every packet of
// the current one has called back (lib/client.js nextBatch), so while a client has publishes
// waiting here its socket is not read and TCP slows the device down: nothing is lost. And its
// parser stops at the next packet boundary, so the rest of the chunk already read waits as bytes:
// a flood costs one parsed packet per held client, not one per packet it sent.
import type { Client } from 'aedes';
import { Fifo, type TokenBuckets } from './limits.js';

/** Below this, a timer would wake for a single token: waking a little later lets it take several. */
const MIN_DELAY_MS = 25;
const NO_BYTES = Buffer.alloc(0);

// The parts of mqtt-packet's parser the hold hooks (aedes keeps it as client._parser).
interface PacketParser {
  _parseHeader(): boolean;
  _list: { length: number };
  parse(buf: Buffer): number;
}
const parserOf = (client: Client) => (client as unknown as { _parser?: PacketParser })._parser;

/** One client's publishes waiting for tokens of its device, drained by one timer. */
interface Held {
  key: string;
  queue: Fifo<() => void>;
  timer: NodeJS.Timeout | undefined;
  onClose: () => void;
}

/** Per-client FIFOs of publishes waiting for their device's rate; at most one timer per held client. */
export interface RateHold {
  /** Run `go` once `key` (the device) has a token and nothing of this client waits before it; never runs it for a closed connection. */
  pass(client: Client, key: string, go: () => void): void;
  /** Hook a new client's parser so it stops at a packet boundary while the client has publishes held. */
  attach(client: Client): void;
  stats(): { slowed: number; waiting: number; clients: number };
  /** Forget every held publish and timer (the broker is closing; aedes closes the clients). */
  close(): void;
}

/** A RateHold over `buckets` (a rate of 0 never holds anything). */
export function createRateHold(buckets: TokenBuckets): RateHold {
  const held = new Map<Client, Held>();
  let slowed = 0;
  let waiting = 0;
  /** The client whose stopped parser is being resumed: what it parses now waited as bytes. */
  let resuming: Client | undefined;

  const forget = (client: Client, h: Held) => {
    if (h.timer !== undefined) clearTimeout(h.timer);
    client.conn.removeListener('close', h.onClose);
    waiting -= h.queue.length;
    held.delete(client);
  };
  const arm = (client: Client, h: Held) => {
    h.timer ??= setTimeout(() => drain(client, h), Math.max(MIN_DELAY_MS, buckets.waitMs(h.key)));
    h.timer.unref(); // a held device must not keep the process alive
  };
  const gone = (client: Client) => client.closed || client.conn.destroyed;
  function drain(client: Client, h: Held): void {
    h.timer = undefined;
    // Calling `go` may read the client's next chunk and re-enter pass() for it (the queue is
    // empty by then, so the new publish keeps its place) or close the client.
    while (h.queue.length > 0 && !gone(client) && buckets.take(h.key)) {
      waiting--;
      h.queue.shift()!();
    }
    if (gone(client) || (h.queue.length === 0 && h.timer === undefined)) forget(client, h);
    else if (h.queue.length > 0) arm(client, h);
    if (h.queue.length === 0 && !gone(client)) resume(client);
  }
  /** Parse what the stopped parser left (aedes parses only on new socket data, which may never come). */
  function resume(client: Client): void {
    const parser = parserOf(client);
    if (parser === undefined || parser._list.length === 0 || resuming !== undefined) return;
    resuming = client;
    try {
      parser.parse(NO_BYTES);
    } finally {
      resuming = undefined;
    }
  }

  return {
    pass(client, key, go) {
      // A closed client's will is authorised after its close: it is one message, never held.
      if (client.closed) return go();
      let h = held.get(client);
      if (h === undefined || h.queue.length === 0) {
        if (buckets.take(key)) {
          if (resuming === client) slowed++;
          return go();
        }
      }
      // The connection is going: nothing of it is kept, and nothing calls back into it.
      if (client.conn.destroyed) return;
      if (h === undefined) {
        const created: Held = { key, queue: new Fifo(), timer: undefined, onClose: () => forget(client, created) };
        client.conn.once('close', created.onClose);
        held.set(client, created);
        h = created;
      }
      h.queue.push(go);
      slowed++;
      waiting++;
      arm(client, h);
    },
    attach(client) {
      const parser = parserOf(client);
      if (parser === undefined || typeof parser._parseHeader !== 'function') return;
      const parseHeader = parser._parseHeader;
      // false ends mqtt-packet's parse loop before the next packet; the bytes stay in its buffer list.
      parser._parseHeader = function (this: PacketParser) {
        return (held.get(client)?.queue.length ?? 0) > 0 ? false : parseHeader.call(this);
      };
    },
    stats: () => ({ slowed, waiting, clients: held.size }),
    close() {
      for (const [client, h] of [...held]) forget(client, h);
    },
  };
}
