// The HTTP + WebSocket server on one port: auth, JSON I/O and routing for the API of
// DESIGN.md § HTTP API. Handlers live with their stage (alerts/http.ts); this file only serves.
import { type IncomingMessage, type Server, type ServerResponse, STATUS_CODES, createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Duplex } from 'node:stream';
import type { Logger } from 'pino';
import { WebSocketServer } from 'ws';
import { type Principal, type Reply, type Route, errorReply, roleAtLeast } from '../alerts/index.js';
import { type Authenticator, tokenOf } from './auth.js';
import type { AuthThrottle } from './auth-throttle.js';
import { readBody, requestUrl, send } from './http-io.js';

export interface HttpServerOptions {
  host: string;
  port: number;
  /** Bearer token → principal with a role (app/auth.ts); each route declares its least role. */
  auth: Authenticator;
  /** Failed authentications per source address (app/auth-throttle.ts): the API and /ws. */
  throttle?: AuthThrottle;
  /** PEM certificate and key: serve HTTPS (and WSS on /ws) instead of HTTP. */
  tls?: { cert: Buffer; key: Buffer };
  routes: Route[];
  /** Served without a token (DESIGN: every endpoint but /api/health and /metrics needs one). */
  publicRoutes: Route[];
  onWebSocket: (ws: import('ws').WebSocket, principal: Principal) => void;
  /**
   * Raw handlers for a path prefix (e.g. Node-RED under /flows, the console under /), tried
   * before the API routes' 404. A mount does its own auth. `handle` returns false to pass.
   */
  mounts?: Mount[];
  logger: Logger;
  maxBodyBytes?: number;
}

/** A raw handler for a path prefix; `upgrade` takes WebSocket upgrades under it (e.g. Node-RED's /flows/comms). */
export interface Mount {
  prefix: string;
  handle: (req: IncomingMessage, res: ServerResponse) => boolean | Promise<boolean>;
  /** Returns false to refuse the upgrade (the socket is then destroyed). */
  upgrade?: (req: IncomingMessage, socket: Duplex, head: Buffer) => boolean;
}

const under = (path: string, prefix: string) => path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`);

interface Compiled {
  route: Route;
  pattern: RegExp;
  keys: string[];
}

const compile = (route: Route): Compiled => {
  const keys: string[] = [];
  const source = route.path.replace(/:([A-Za-z]+)/g, (_, k: string) => {
    keys.push(k);
    return '([^/]+)';
  });
  return { route, pattern: new RegExp(`^${source}/?$`), keys };
};

/** The least role a route needs: declared, else viewer to read and admin to change anything. */
export const requiredRole = (route: Route) => route.role ?? (route.method === 'GET' ? 'viewer' : 'admin');

/** Start the server; resolves with the bound port. */
export async function startHttpServer(opts: HttpServerOptions): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const maxBody = opts.maxBodyBytes ?? 1024 * 1024;
  const table = [
    ...opts.publicRoutes.map((r) => ({ ...compile(r), open: true })),
    ...opts.routes.map((r) => ({ ...compile(r), open: false })),
  ];
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });

  const find = (method: string, path: string) => {
    let pathMatched = false;
    for (const c of table) {
      const m = c.pattern.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (c.route.method !== method) continue;
      const params = Object.fromEntries(c.keys.map((k, i) => [k, decodeURIComponent(m[i + 1]!)]));
      return { hit: c, params };
    }
    return { hit: undefined, params: {}, pathMatched };
  };

  const badUrl = (req: IncomingMessage) => {
    // A client's mistake, not ours: no stack trace, and never past this point.
    opts.logger.debug({ url: req.url, remote: req.socket.remoteAddress }, 'malformed request URL');
    return errorReply(400, 'bad_request', 'malformed URL: the path or query is not valid percent-encoding');
  };
  const tooMany = (retryAfterS: number) =>
    errorReply(429, 'too_many_attempts', `too many failed authentications from this address; retry after ${retryAfterS} s`);

  /** The principal of a request, a 429 while its address is throttled, or a 401 (a wrong token counts against the address). */
  const authenticate = (req: IncomingMessage, url: URL): { principal: Principal } | { refusal: Reply; retryAfterS?: number } => {
    const address = req.socket.remoteAddress ?? '';
    const verdict = opts.throttle?.check(address) ?? { ok: true };
    if (!verdict.ok) return { refusal: tooMany(verdict.retryAfterS), retryAfterS: verdict.retryAfterS };
    const principal = opts.auth.authenticate(req, url);
    if (principal) return { principal };
    // Only a token that was given and is wrong is a guess; a request without one costs nothing.
    if (tokenOf(req, url) !== '' && opts.throttle?.fail(address).ok === false) {
      opts.logger.warn({ remote: address }, 'too many wrong tokens: address throttled');
    }
    return { refusal: errorReply(401, 'unauthorized', 'missing or wrong token: send Authorization: Bearer <token>') };
  };

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = requestUrl(req);
    if (!url) return send(res, badUrl(req));
    const method = req.method ?? 'GET';
    const found = find(method, url.pathname);
    if (!found.hit && !found.pathMatched) {
      for (const m of opts.mounts ?? []) {
        if (under(url.pathname, m.prefix)) {
          if (await m.handle(req, res)) return;
        }
      }
    }
    if (!found.hit) {
      return send(
        res,
        found.pathMatched
          ? errorReply(405, 'method_not_allowed', `${method} not allowed on ${url.pathname}`)
          : errorReply(404, 'not_found', `no route ${url.pathname}`),
      );
    }
    let principal: Principal | undefined;
    if (!found.hit.open) {
      const a = authenticate(req, url);
      if ('refusal' in a) return send(res, a.refusal, a.retryAfterS ? { 'retry-after': String(a.retryAfterS) } : {});
      principal = a.principal;
    }
    const need = requiredRole(found.hit.route);
    if (principal && !roleAtLeast(principal.role, need) && !(principal.role === 'reporter' && found.hit.route.reporters)) {
      return send(
        res,
        errorReply(403, 'forbidden', `${method} ${url.pathname} needs the ${need} role; ${principal.name} is ${principal.role}`),
      );
    }
    let body: unknown;
    if (method === 'POST' || method === 'PUT') {
      const text = await readBody(req, res, maxBody, errorReply(413, 'too_large', `body larger than ${maxBody} bytes`));
      if (text === undefined) return; // readBody has answered 413
      try {
        body = text.length ? JSON.parse(text) : undefined;
      } catch {
        return send(res, errorReply(400, 'bad_json', 'body is not valid JSON'));
      }
    }
    const reply = await found.hit.route.handler({
      params: found.params,
      query: url.searchParams,
      body,
      ...(principal ? { principal } : {}),
    });
    send(res, reply, reply.headers);
  }

  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((err: unknown) => {
      opts.logger.error({ err, url: req.url }, 'request failed');
      if (!res.headersSent) send(res, errorReply(500, 'internal', 'internal error'));
    });
  };
  const server: Server = opts.tls ? createHttpsServer({ cert: opts.tls.cert, key: opts.tls.key }, listener) : createServer(listener);
  server.on('connection', (socket) => socket.setNoDelay(true));
  server.on('upgrade', (req, socket, head) => {
    const url = requestUrl(req);
    if (!url) return refuseUpgrade(socket, badUrl(req));
    if (url.pathname !== '/ws') {
      const mount = opts.mounts?.find((m) => m.upgrade && under(url.pathname, m.prefix));
      if (!mount?.upgrade?.(req, socket, head)) socket.destroy();
      return;
    }
    const a = authenticate(req, url);
    if ('refusal' in a) return refuseUpgrade(socket, a.refusal, a.retryAfterS);
    // A reporter token makes reports and nothing else: it does not watch the stream.
    if (!roleAtLeast(a.principal.role, 'viewer'))
      return refuseUpgrade(socket, errorReply(403, 'forbidden', `/ws needs the viewer role; ${a.principal.name} is ${a.principal.role}`));
    wss.handleUpgrade(req, socket, head, (ws) => opts.onWebSocket(ws, a.principal));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : opts.port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const ws of wss.clients) ws.terminate();
        wss.close();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Refuse a WebSocket upgrade with an HTTP answer (the client sees its status, e.g. 429). */
function refuseUpgrade(socket: Duplex, reply: Reply, retryAfterS?: number) {
  const body = JSON.stringify(reply.body);
  const head = [
    `HTTP/1.1 ${reply.status} ${STATUS_CODES[reply.status] ?? ''}`,
    'Content-Type: application/json; charset=utf-8',
    `Content-Length: ${Buffer.byteLength(body)}`,
    ...(retryAfterS ? [`Retry-After: ${retryAfterS}`] : []),
    'Connection: close',
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
}
