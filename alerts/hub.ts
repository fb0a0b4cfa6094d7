// WebSocket fan-out over the durable alert log (DESIGN.md § WebSocket /ws). Each client has
// a cursor (the last seq it was sent); live delivery and `resume` replay both move it, so a
// reconnecting operator gets every message after its `since`, in seq order, exactly once.
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { LogMessage, ServerMessage } from '../model/ws.js';
import type { AlertLog } from '../store/index.js';
import { type DepartmentOf, type Principal, inScope, roleAtLeast } from './access.js';
import { ClientMessage, type Filter, facetsOf, matchesFilter } from './ws-protocol.js';
import { issuesOf } from '../model/issues.js';

/** Acknowledge over /ws; `principal` is the connection's (scope and audit are the handler's to check). */
export type AckHandler = (
  incidentId: string,
  by: string,
  principal?: Principal,
) => { ok: true } | { ok: false; status: number; code: string; message: string };

export interface HubOptions {
  log: AlertLog;
  onAck: AckHandler;
  logger?: Logger;
  /** A client that has not sent subscribe/resume by then goes live from its hello. */
  graceMs?: number;
  /** A client whose unsent buffer passes this is cut off, so it never stalls the others. */
  maxBufferedBytes?: number;
  replayPage?: number;
  /** The department of a log message: a department-scoped client gets only its own. */
  departmentOf?: DepartmentOf;
  /**
   * Other nodes append to the same log (cluster mode): live clients are sent what the log holds,
   * in seq order, by `pump()`, after each commit here and whenever another node says it committed;
   * `committed` is told of each commit here, to tell the other nodes.
   */
  sharedLog?: { committed(): void };
}

interface Client {
  ws: WebSocket;
  cursor: number;
  live: boolean;
  /** Bumped by every catch-up, so a superseded replay stops. */
  gen: number;
  filter: Filter;
  grace?: NodeJS.Timeout;
  principal?: Principal;
  /** A resume was taken: a second one would move the cursor back and send its seqs twice. */
  resumed: boolean;
}

interface DeferredSends {
  sends: Array<() => void>;
  cursors: Map<Client, number>;
  /** Shared log: something was appended, to pump once committed. */
  appended: boolean;
}

export interface Hub {
  /** Append to the durable log and send to every live client whose filter matches. */
  publish(message: LogMessage): number;
  /**
   * Run `fn` (a store transaction that publishes) and send what it published only once it has
   * returned, i.e. committed; if it throws, nothing of it is sent and the clients' cursors are
   * as before (a rolled-back seq is handed out again). Nested calls join the outer one.
   */
  deferSends<T>(fn: () => T): T;
  /** Shared log: send live clients everything committed to the log since the last pump (a no-op otherwise). */
  pump(): void;
  /** Take over an authenticated WebSocket connection (no principal: an internal, unscoped client). */
  attach(ws: WebSocket, principal?: Principal): void;
  clientCount(): number;
  /** Clients cut off because their send buffer passed maxBufferedBytes, since start. */
  slowClientsDropped(): number;
  close(): void;
}

/** Create the hub that owns the WebSocket clients. */
export function createHub(opts: HubOptions): Hub {
  const { log } = opts;
  const graceMs = opts.graceMs ?? 200;
  const maxBuffered = opts.maxBufferedBytes ?? 16 * 1024 * 1024;
  const page = opts.replayPage ?? 500;
  const clients = new Set<Client>();
  let dropped = 0;
  /** Inside deferSends: the sends waiting for its end, and each touched client's cursor before it. */
  let deferred: DeferredSends | undefined;
  // Both the filter and the department scope decide what a client is sent, live or replayed.
  const wants = (c: Client, message: LogMessage, facets: ReturnType<typeof facetsOf>) =>
    matchesFilter(c.filter, facets) && inScope(c.principal, opts.departmentOf?.(message));

  const frame = (seq: number, message: LogMessage) => JSON.stringify({ ...message, seq });
  const shared = opts.sharedLog;
  /** Shared log: the last seq handed to live clients. */
  let pumped = shared ? log.lastSeq() : 0;
  let pumping = false;

  /** Hand one logged message to every live client that has not had it yet. */
  function deliver(seq: number, message: LogMessage) {
    let data: string | undefined;
    const facets = facetsOf(message);
    for (const c of clients) {
      if (!c.live || seq <= c.cursor) continue;
      if (deferred && !deferred.cursors.has(c)) deferred.cursors.set(c, c.cursor);
      c.cursor = seq;
      if (!wants(c, message, facets)) continue;
      const d = (data ??= frame(seq, message));
      if (deferred) deferred.sends.push(() => send(c, d));
      else send(c, d);
    }
  }

  /** Shared log: read from the last pumped seq to the end, in order (commit order is seq order). */
  function pump() {
    if (!shared || pumping) return;
    pumping = true;
    try {
      for (;;) {
        const rows = log.since(pumped, page);
        for (const { seq, message } of rows) {
          deliver(seq, message);
          pumped = seq;
        }
        if (rows.length < page) break;
      }
    } finally {
      pumping = false;
    }
  }

  const afterCommit = () => {
    shared?.committed();
    pump();
  };

  function send(c: Client, data: string): boolean {
    if (c.ws.readyState !== c.ws.OPEN) return false;
    if (c.ws.bufferedAmount > maxBuffered) {
      opts.logger?.warn({ buffered: c.ws.bufferedAmount }, 'ws client too slow, disconnecting');
      dropped++;
      // close() would queue its frame behind the unsent buffer and wait for the peer: a client
      // that never reads must not keep its buffer, so the close frame is tried and the socket ended.
      c.ws.close(1013, 'too slow: send buffer full, reconnect with resume');
      clients.delete(c);
      setTimeout(() => c.ws.terminate(), 1000).unref();
      return false;
    }
    c.ws.send(data);
    return true;
  }

  /** Replay from the client's cursor to the end of the log, page by page, then go live. */
  function catchUp(c: Client) {
    clearTimeout(c.grace);
    c.live = false;
    const gen = ++c.gen;
    const step = () => {
      if (gen !== c.gen || c.ws.readyState !== c.ws.OPEN) return;
      const rows = log.since(c.cursor, page);
      for (const { seq, message } of rows) {
        // A replay is paced by the socket: it waits below the cut-off bound instead of reaching it.
        if (c.ws.bufferedAmount > maxBuffered / 2) {
          setTimeout(step, 10);
          return;
        }
        if (wants(c, message, facetsOf(message)) && !send(c, frame(seq, message))) return;
        c.cursor = seq;
      }
      if (rows.length < page) {
        // Same tick as the last read: nothing can be published in between, so no gap.
        c.live = true;
      } else setImmediate(step);
    };
    step();
  }

  function onMessage(c: Client, raw: string) {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return reply(c, { type: 'error', error: { code: 'bad_json', message: 'message is not JSON' } });
    }
    const parsed = ClientMessage.safeParse(json);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error);
      return reply(c, { type: 'error', error: { code: 'bad_message', message: 'invalid message', issues } });
    }
    const msg = parsed.data;
    switch (msg.type) {
      case 'subscribe':
        c.filter = msg.filter;
        reply(c, { type: 'subscribed', filter: msg.filter });
        if (!c.live) catchUp(c);
        return;
      case 'resume':
        if (c.resumed) {
          return reply(c, {
            type: 'error',
            error: {
              code: 'already_resumed',
              message: 'resume is taken once per connection: the stream goes on from where it is; reconnect to resume from another seq',
            },
          });
        }
        c.resumed = true;
        c.cursor = Math.min(msg.since, log.lastSeq());
        catchUp(c);
        return;
      case 'ack': {
        if (c.principal && !roleAtLeast(c.principal.role, 'operator')) {
          return reply(c, {
            type: 'ack',
            ok: false,
            incidentId: msg.incidentId,
            error: { code: 'forbidden', message: `role ${c.principal.role} may not acknowledge` },
          });
        }
        const r = opts.onAck(msg.incidentId, msg.by, c.principal);
        return reply(
          c,
          r.ok
            ? { type: 'ack', ok: true, incidentId: msg.incidentId }
            : { type: 'ack', ok: false, incidentId: msg.incidentId, error: { code: r.code, message: r.message } },
        );
      }
    }
  }

  // Replies to one client are not part of the log and carry no seq.
  const reply = (c: Client, body: ServerMessage) => void send(c, JSON.stringify(body));

  return {
    publish(message) {
      const seq = log.append(message);
      if (!shared) deliver(seq, message);
      else if (deferred) deferred.appended = true;
      else afterCommit();
      return seq;
    },

    pump,

    deferSends(fn) {
      if (deferred) return fn();
      const unit: DeferredSends = { sends: [], cursors: new Map(), appended: false };
      deferred = unit;
      let done = false;
      try {
        const result = fn();
        done = true;
        return result;
      } finally {
        deferred = undefined;
        if (done) for (const s of unit.sends) s();
        else for (const [c, cursor] of unit.cursors) c.cursor = cursor;
        if (done && unit.appended) afterCommit();
      }
    },

    attach(ws, principal) {
      const c: Client = { ws, cursor: log.lastSeq(), live: false, gen: 0, filter: {}, principal, resumed: false };
      clients.add(c);
      ws.send(JSON.stringify({ type: 'hello', seq: c.cursor } satisfies ServerMessage));
      c.grace = setTimeout(() => catchUp(c), graceMs);
      ws.on('message', (data, isBinary) => {
        if (isBinary) return reply(c, { type: 'error', error: { code: 'bad_message', message: 'binary frames are not accepted' } });
        try {
          onMessage(c, data.toString());
        } catch (err) {
          opts.logger?.error({ err }, 'ws message handler failed');
          reply(c, { type: 'error', error: { code: 'internal', message: 'internal error' } });
        }
      });
      ws.on('close', () => {
        clearTimeout(c.grace);
        clients.delete(c);
      });
      ws.on('error', () => ws.terminate());
    },

    clientCount: () => clients.size,
    slowClientsDropped: () => dropped,

    close() {
      for (const c of clients) {
        clearTimeout(c.grace);
        c.ws.close(1001, 'server shutting down');
      }
      clients.clear();
    },
  };
}
