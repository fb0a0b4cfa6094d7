// A bound on what the broker keeps for one persistent session. aedes
// keeps every QoS 1/2 message for a subscriber with a persistent session (`clean: false`) in
// memory until that subscriber acknowledges it: an operator tool subscribed to `city/#` that goes
// offline overnight while gateways publish QoS 1 would hold every reading of the city (~500 B
// each) until the process runs out of memory. Like mosquitto's `max_queued_messages` and EMQX's
// `max_mqueue_len`, at most `limit` are kept per client while it is offline (the ones it left
// unacknowledged count); new ones beyond it are not kept for that client, and are counted. A
// connected subscriber is not cut short by it: aedes keeps each message it sends until acknowledged.

type Callback = (err: unknown, value?: unknown) => void;

/** The part of aedes' persistence that keeps a session's outgoing messages (promise, or callback when given). */
export interface OutgoingPersistence {
  outgoingEnqueue(sub: { clientId: string }, packet: unknown, cb?: Callback): Promise<unknown> | undefined;
  outgoingEnqueueCombi(subs: Array<{ clientId: string }>, packet: unknown, cb?: Callback): Promise<unknown> | undefined;
  outgoingClearMessageId(client: { id: string }, packet: unknown, cb?: Callback): Promise<unknown> | undefined;
}

/** The promise, or, when a callback is given, the callback called with its outcome. */
function settle(p: Promise<unknown>, cb?: Callback): Promise<unknown> | undefined {
  if (cb === undefined) return p;
  p.then((v) => cb(null, v), cb);
  return undefined;
}

export interface SessionQueues {
  /** Messages not kept because their session's queue was full. */
  dropped(): number;
  /** Messages kept and not yet acknowledged, in all sessions. */
  queued(): number;
}

/**
 * Wrap `persistence` in place so it keeps at most `limit` outgoing messages per offline client.
 * `onFull(clientId)` is called when a client's queue first fills (and again after it had room).
 */
export function boundSessionQueues(
  persistence: OutgoingPersistence,
  limit: number,
  o: { connected: (clientId: string) => boolean; onFull: (clientId: string) => void },
): SessionQueues {
  /** Messages kept per client. */
  const counts = new Map<string, number>();
  /** Clients whose full queue was reported, until it has room again. */
  const reported = new Set<string>();
  let dropped = 0;
  let queued = 0;
  /**
   * Whether one more message may be kept for `clientId`; counts it if so. Always for a connected
   * client: aedes sends it the message it keeps, and one not kept would fail its connection.
   */
  const take = (clientId: string): boolean => {
    const n = counts.get(clientId) ?? 0;
    if (n >= limit && !o.connected(clientId)) {
      dropped++;
      if (!reported.has(clientId)) {
        reported.add(clientId);
        o.onFull(clientId);
      }
      return false;
    }
    counts.set(clientId, n + 1);
    queued++;
    return true;
  };
  // The originals, called without a callback: then they return promises.
  const original = {
    enqueue: persistence.outgoingEnqueue.bind(persistence),
    enqueueCombi: persistence.outgoingEnqueueCombi.bind(persistence),
    clear: persistence.outgoingClearMessageId.bind(persistence),
  };
  const enqueue = (sub: { clientId: string }, packet: unknown) => original.enqueue(sub, packet) as Promise<unknown>;
  const enqueueCombi = (subs: Array<{ clientId: string }>, packet: unknown) => original.enqueueCombi(subs, packet) as Promise<unknown>;
  const clear = (client: { id: string }, packet: unknown) => original.clear(client, packet) as Promise<unknown>;
  persistence.outgoingEnqueue = (sub, packet, cb) => settle(take(sub.clientId) ? enqueue(sub, packet) : Promise.resolve(), cb);
  persistence.outgoingEnqueueCombi = (subs, packet, cb) => {
    const kept = subs.filter((s) => take(s.clientId));
    return settle(kept.length > 0 ? enqueueCombi(kept, packet) : Promise.resolve(), cb);
  };
  persistence.outgoingClearMessageId = (client, packet, cb) =>
    settle(
      clear(client, packet).then((found) => {
        if (found !== undefined) {
          const n = (counts.get(client.id) ?? 1) - 1;
          if (n > 0) counts.set(client.id, n);
          else counts.delete(client.id);
          if (n < limit) reported.delete(client.id);
          queued--;
        }
        return found;
      }),
      cb,
    );
  return { dropped: () => dropped, queued: () => queued };
}
