// The HTTP server's request and response plumbing: the request URL checked for percent-encoding,
// JSON replies, and request bodies read under a size limit without resetting the connection.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Reply } from '../alerts/index.js';

/** The request's URL, or undefined when its path or query is not valid percent-encoding (e.g. `%zz`). */
export function requestUrl(req: IncomingMessage): URL | undefined {
  let url: URL;
  try {
    url = new URL(req.url ?? '/', 'http://localhost');
  } catch {
    return undefined;
  }
  // URL keeps a bad escape as it is; the routes decode path parameters and URLSearchParams
  // would hand `%zz` through as text, so it is refused here, once, for every route.
  const parts = [
    ...url.pathname.split('/'),
    ...url.search
      .slice(1)
      .split(/[&=]/)
      .map((p) => p.replaceAll('+', ' ')),
  ];
  for (const part of parts) {
    try {
      decodeURIComponent(part);
    } catch {
      return undefined;
    }
  }
  return url;
}

/** Write a reply as JSON (or its text), with extra headers such as `retry-after`. */
export function send(res: ServerResponse, reply: Reply, headers: Record<string, string> = {}) {
  const isText = typeof reply.body === 'string';
  const body = isText ? (reply.body as string) : JSON.stringify(reply.body);
  res.writeHead(reply.status, {
    'content-type': reply.contentType ?? (isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8'),
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

/** The most of an over-long body that is read and thrown away so the client can read the 413. */
const DRAIN_BYTES = 64 * 1024 * 1024;
const DRAIN_MS = 10_000;

/**
 * The body as text, or undefined when it passed `limit` bytes: the 413 is then already answered.
 * The 413 goes out at once with `Connection: close`, and the socket is ended only once the rest
 * of the request has been read (up to a bound): closing a socket with unread data sends a TCP
 * reset, which can reach the client before it has read the answer.
 */
export function readBody(req: IncomingMessage, res: ServerResponse, limit: number, tooLarge: Reply): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const refuse = () => {
      resolve(undefined);
      req.removeAllListeners('data');
      req.removeAllListeners('end');
      const body = JSON.stringify(tooLarge.body);
      res.writeHead(tooLarge.status, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
        connection: 'close',
      });
      res.write(body);
      let drained = 0;
      const stop = () => {
        clearTimeout(timer);
        res.end();
      };
      // A client that keeps sending past the bound is cut off: draining is a courtesy, not a sink.
      const timer = setTimeout(() => req.destroy(), DRAIN_MS);
      timer.unref();
      req.on('data', (c: Buffer) => {
        drained += c.length;
        if (drained > DRAIN_BYTES) {
          clearTimeout(timer);
          req.destroy();
        }
      });
      req.on('end', stop);
      req.on('close', () => clearTimeout(timer));
    };
    const declared = Number(req.headers['content-length']);
    if (declared > limit) return refuse();
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) refuse();
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
