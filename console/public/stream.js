// The live stream over /ws (DESIGN.md § WebSocket /ws): subscribe with the filter, resume from
// the last seq seen so a reconnect misses nothing, reconnect with capped exponential backoff.

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];
const HISTORY = 100; // on first connect, replay this many recent messages to fill the list

/**
 * Open the stream. onMessage gets every alert/incident message once, in seq order;
 * with {history: true} for the backlog shown on the first connection (no alarm for those);
 * onStatus gets {state: 'connecting'|'live'|'reconnecting', attempt, retryInMs, lastSeq}.
 */
export function createStream({ token, onMessage, onStatus, onReply = () => {} }) {
  let ws;
  let filter = {};
  let lastSeq; // highest seq handled; undefined until the first connection
  let historyUpTo = -1; // seqs up to here are the first connection's backlog, not news
  let attempt = 0;
  let timer;
  let stopped = false;

  const status = (state, extra = {}) => onStatus({ state, attempt, lastSeq, ...extra });

  function connect() {
    clearTimeout(timer);
    const proto = location.protocol === 'https:' ? 'wss:' : 'ws:';
    ws = new WebSocket(`${proto}//${location.host}/ws?token=${encodeURIComponent(token)}`);
    const socket = ws;
    status(attempt ? 'reconnecting' : 'connecting');
    socket.onmessage = (ev) => {
      let m;
      try {
        m = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (m.type === 'hello') {
        attempt = 0;
        // Cursor first, then the filter: the server replays from `since` in seq order, so
        // nothing after lastSeq can overtake the replay (a subscribe first could go live and
        // deliver a newer message before it). What the replay sends before the filter lands
        // is filtered here too (matches()).
        if (lastSeq === undefined) {
          lastSeq = Math.max(0, m.seq - HISTORY);
          historyUpTo = m.seq;
        }
        socket.send(JSON.stringify({ type: 'resume', since: lastSeq }));
        socket.send(JSON.stringify({ type: 'subscribe', filter }));
        status('live');
        return;
      }
      if (typeof m.seq !== 'number') return onReply(m);
      if (m.seq <= lastSeq) return; // already handled (a replay overlapping a live send)
      lastSeq = m.seq;
      if (matches(filter, m.alert ?? m.incident ?? {})) onMessage(m, { history: m.seq <= historyUpTo });
      status('live');
    };
    socket.onclose = () => {
      if (stopped || socket !== ws) return;
      const wait = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
      attempt += 1;
      status('reconnecting', { retryInMs: wait });
      timer = setTimeout(connect, wait);
    };
  }

  connect();
  return {
    /** Change the server-side filter (DESIGN: subscribe {severity?, category?, grid?, district?}). */
    setFilter(next) {
      filter = next;
      if (ws?.readyState === WebSocket.OPEN) ws.send(JSON.stringify({ type: 'subscribe', filter }));
    },
    /** Skip the backoff wait. */
    reconnectNow() {
      if (ws?.readyState === WebSocket.OPEN || ws?.readyState === WebSocket.CONNECTING) return;
      attempt = Math.max(attempt, 1);
      connect();
    },
    lastSeq: () => lastSeq,
    close() {
      stopped = true;
      clearTimeout(timer);
      ws?.close();
    },
  };
}

/** The server's filter rule (alerts/ws-protocol.ts matchesFilter): every given facet must match. */
export function matches(filter, facets) {
  return ['severity', 'category', 'grid', 'district'].every((k) => {
    const want = filter[k];
    if (want === undefined) return true;
    return facets[k] !== undefined && (Array.isArray(want) ? want.includes(facets[k]) : want === facets[k]);
  });
}
