// A Transport around the client's own (NodeHttpTransport), so the client keeps its batching,
// gzip and retries while we (1) map the v2 write path to 1.x's `/write` when api is v1,
// (2) bound the write requests on the wire and (3) know whether the server answers.
import { HttpError, InfluxDB, type CommunicationObserver, type SendOptions, type Transport } from '@influxdata/influxdb-client';
import { dbrp } from './options.js';
import { InFlightLimitError } from '../errors.js';

export interface TrackedTransport extends Transport {
  /** Write requests sent and not yet answered, and those waiting for a free slot. */
  inFlight(): number;
  /** Resolves when no write request is on the wire or waiting (or after timeoutMs). */
  idle(timeoutMs: number): Promise<void>;
  /** The id of the last write request handed to send() (ids grow by one per send). */
  lastSendId(): number;
  /** Resolves when every write request up to `id` has ended: answered, failed or refused
   *  (its callbacks have run, so the client has settled or queued its batch for a retry). */
  endedThrough(id: number): Promise<void>;
  /** Whether the last request reached a server that answered, and the last failure if not. */
  reachability(): { reachable: boolean; lastError?: string; lastErrorAt?: number; lastOkAt?: number };
}

export interface TransportOptions {
  url: string;
  token?: string;
  bucket: string;
  api: 'v2' | 'v1';
  timeoutMs: number;
  maxInFlight: number;
  /** Lines that may wait for a free request slot (beyond them a send fails, retriable). */
  maxWaitingLines: number;
  now?: () => number;
}

// 1.x reads an unknown precision as nanoseconds without complaint, so `us` must become `u`.
const V1_PRECISION: Record<string, string> = { ns: 'n', us: 'u', ms: 'ms', s: 's' };

/** Map `/api/v2/write?org&bucket&precision` to 1.x `/write?db&rp&precision`; other paths pass. */
export function v1WritePath(path: string, bucket: string): string {
  if (!path.startsWith('/api/v2/write')) return path;
  const q = new URLSearchParams(path.slice(path.indexOf('?') + 1));
  const { db, rp } = dbrp(bucket);
  const out = new URLSearchParams({ db });
  if (rp) out.set('rp', rp);
  const precision = q.get('precision') ?? 'ns';
  out.set('precision', V1_PRECISION[precision] ?? precision);
  const consistency = q.get('consistency');
  if (consistency) out.set('consistency', consistency);
  return `/write?${out.toString()}`;
}

/** Authorization header for the server's API: `Token …` (v2, 3.x, 1.8+), Basic `user:password` (1.x). */
export function authHeader(api: 'v2' | 'v1', token?: string): Record<string, string> {
  if (!token) return {};
  if (api === 'v1' && token.includes(':')) return { authorization: `Basic ${Buffer.from(token).toString('base64')}` };
  return { authorization: `Token ${token}` };
}

/** The client's transport with v1 mapping, an in-flight bound and reachability tracking. */
export function createTrackedTransport(o: TransportOptions): TrackedTransport {
  const now = o.now ?? Date.now;
  // The client builds its NodeHttpTransport from these options; we borrow it rather than reimplement.
  const base = new InfluxDB({ url: o.url, timeout: o.timeoutMs }).transport;
  const auth = authHeader(o.api, o.token);
  let inFlight = 0;
  // Sends beyond maxInFlight wait here, up to maxWaitingLines; beyond that they fail (retriable),
  // so a slow server fills the client's bounded retry buffer and then the spool, not memory.
  const waiting: Array<{ lines: number; go: () => void }> = [];
  let waitingLines = 0;
  let idleWaiters: Array<() => void> = [];
  const reach: { reachable: boolean; lastError?: string; lastErrorAt?: number; lastOkAt?: number } = { reachable: true };
  // Write requests not yet ended, by id; a Set iterates in insertion (= id) order.
  let sendSeq = 0;
  const open = new Set<number>();
  let barriers: Array<{ upTo: number; resolve: () => void }> = [];
  const ended = (id: number) => {
    if (!open.delete(id)) return;
    const oldest: number = open.values().next().value ?? Infinity;
    if (barriers.length === 0 || barriers[0]!.upTo >= oldest) return;
    barriers = barriers.filter((b) => (b.upTo < oldest ? (b.resolve(), false) : true));
  };
  const withAuth = (options: SendOptions): SendOptions => ({ ...options, headers: { ...auth, ...options.headers } });
  const mapPath = (path: string) => (o.api === 'v1' ? v1WritePath(path, o.bucket) : path);
  const settle = () => {
    inFlight--;
    const next = waiting.shift();
    if (next) {
      waitingLines -= next.lines;
      next.go();
    } else if (inFlight === 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      waiters.forEach((w) => w());
    }
  };
  const noteError = (err: Error) => {
    // A 4xx (other than 429) came from a server that is up; anything else means it is not.
    const answered = err instanceof HttpError && err.statusCode < 500 && err.statusCode !== 429;
    reach.reachable = answered;
    reach.lastError = err instanceof HttpError ? `${err.statusCode} ${err.message}` : err.message;
    reach.lastErrorAt = now();
  };

  return {
    chunkCombiner: base.chunkCombiner,
    send(path, body, options, observer?: Partial<CommunicationObserver<Uint8Array>>) {
      const id = ++sendSeq;
      open.add(id);
      const callbacks: Partial<CommunicationObserver<Uint8Array>> = {
        ...observer,
        error(err) {
          try {
            observer?.error?.(err);
          } finally {
            ended(id);
          }
        },
        complete() {
          try {
            observer?.complete?.();
          } finally {
            ended(id);
          }
        },
      };
      if (inFlight < o.maxInFlight) return sendNow(path, body, options, callbacks);
      const lines = lineCount(body);
      if (waitingLines + lines <= o.maxWaitingLines) {
        waitingLines += lines;
        waiting.push({ lines, go: () => sendNow(path, body, options, callbacks) });
        return;
      }
      // Deferred so the client sees the failure as it would see a network error.
      setImmediate(() => callbacks?.error?.(new InFlightLimitError(`${inFlight + waiting.length} write requests in flight or waiting`)));
    },
    request(path, body, options, responseStarted) {
      return base.request(mapPath(path), body, withAuth(options), responseStarted);
    },
    iterate(path, body, options) {
      return base.iterate(mapPath(path), body, withAuth(options));
    },
    inFlight: () => inFlight + waiting.length,
    idle(timeoutMs) {
      if (inFlight === 0) return Promise.resolve();
      return new Promise((resolve) => {
        const timer = setTimeout(resolve, timeoutMs);
        idleWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
    lastSendId: () => sendSeq,
    endedThrough(id) {
      const oldest: number = open.values().next().value ?? Infinity;
      if (oldest > id) return Promise.resolve();
      return new Promise((resolve) => {
        barriers.push({ upTo: id, resolve });
        barriers.sort((a, b) => a.upTo - b.upTo);
      });
    },
    reachability: () => ({ ...reach }),
  };

  /** Put one request on the wire, tracking it until it is answered or fails. */
  function sendNow(path: string, body: string, options: SendOptions, callbacks?: Partial<CommunicationObserver<Uint8Array>>): void {
    inFlight++;
    let done = false;
    const finish = () => {
      if (done) return false;
      done = true;
      settle();
      return true;
    };
    let status: number | undefined;
    const observer: Partial<CommunicationObserver<Uint8Array>> = {
      ...callbacks,
      responseStarted(headers, statusCode) {
        status = statusCode;
        callbacks?.responseStarted?.(headers, statusCode);
      },
      error(err) {
        if (finish()) noteError(err);
        callbacks?.error?.(err);
      },
      complete() {
        if (finish() && (status === undefined || status < 300)) {
          reach.reachable = true;
          reach.lastOkAt = now();
        }
        callbacks?.complete?.();
      },
    };
    try {
      base.send(mapPath(path), body, withAuth(options), observer);
    } catch (err) {
      // A throw instead of an error callback must still end the request (flush() waits for it).
      observer.error!(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

function lineCount(body: string): number {
  let n = 1;
  for (let i = body.indexOf('\n'); i >= 0; i = body.indexOf('\n', i + 1)) n++;
  return n;
}
