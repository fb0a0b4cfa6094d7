// The device rate limit as backpressure, not refusal: a publish above its device's rate waits,
// in its client's arrival order, until the device's token bucket has a token, then goes on
// (publish gate, ack gate). While a client has publishes waiting here, its parser stops before
// the next packet and its socket is not read (read-pause.ts), so TCP slows the device down:
// nothing is lost, and a flood costs one parsed packet per held client, not one per packet sent.
import type { Client } from 'aedes';
import { Fifo, type TokenBuckets } from './limits.js';
import { pauseReadingWhile, type ReadPause } from './read-pause.js';

/** Below this, a timer would wake for a single token: waking a little later lets it take several. */
const MIN_DELAY_MS = 25;

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
  /** Hook a new client's reading so it stops at a packet boundary while the client has publishes held. */
  attach(client: Client): void;
  stats(): { slowed: number; waiting: number; clients: number };
  /** Forget every held publish and timer (the broker is closing; aedes closes the clients). */
  close(): void;
}

/** A RateHold over `buckets` (a rate of 0 never holds anything). */
export function createRateHold(buckets: TokenBuckets): RateHold {
  const held = new Map<Client, Held>();
  const pauses = new WeakMap<Client, ReadPause>();
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
  /** Parse on where the client's parser stopped: what it parses now waited as bytes. */
  function resume(client: Client): void {
    if (resuming !== undefined) return;
    resuming = client;
    try {
      pauses.get(client)?.resume();
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
      const pause = pauseReadingWhile(client, () => (held.get(client)?.queue.length ?? 0) > 0);
      if (pause !== undefined) pauses.set(client, pause);
    },
    stats: () => ({ slowed, waiting, clients: held.size }),
    close() {
      for (const [client, h] of [...held]) forget(client, h);
    },
  };
}
