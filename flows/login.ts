// The Node-RED login (`POST {root}/auth/token`, OAuth2 password grant), served here instead of by
// Node-RED: Node-RED 4.1 refuses any login for a user name after five attempts in ten minutes
// (@node-red/editor-api lib/auth/strategies.js, "Too many login attempts"), whoever made them,
// so anyone could lock the admin out. Here failures are throttled per source address instead.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import type { Logger } from 'pino';
import { z } from 'zod';
import { issuesOf } from '../model/index.js';

/** The per-address throttle the login shares with the API (app/auth-throttle.ts). */
export interface LoginThrottle {
  check(address: string): { ok: true } | { ok: false; retryAfterS: number };
  fail(address: string): { ok: boolean };
}

/** The login form the editor (form-encoded) and node-red-admin (JSON) post. */
export const LoginRequest = z.object({
  client_id: z.enum(['node-red-editor', 'node-red-admin'], 'client_id must be node-red-editor or node-red-admin'),
  grant_type: z.literal('password', 'grant_type must be "password"'),
  scope: z.string('scope must be a string').max(256, 'scope is at most 256 characters').default(''),
  username: z.string('username is required').min(1, 'username is required').max(256, 'username is at most 256 characters'),
  password: z.string('password is required').min(1, 'password is required').max(1024, 'password is at most 1024 characters'),
});

/** Who may log in, and Node-RED's session store the tokens go to. */
export interface LoginOptions {
  user: string;
  /** bcrypt hash of the password (flows/settings.ts hashPassword). */
  passwordHash: string;
  throttle?: LoginThrottle;
  logger: Logger;
}

interface Tokens {
  create(user: string, client: string, scope: string): Promise<{ accessToken: string; expires_in: number }>;
}
interface Bcrypt {
  compare(password: string, hash: string): Promise<boolean>;
}

const MAX_BODY = 8 * 1024;

/** The route handler for `POST {root}/auth/token`. */
export function createLoginHandler(o: LoginOptions): (req: IncomingMessage, res: ServerResponse) => void {
  // Node-RED's own session store and bcrypt, resolved from node-red so they are the very modules
  // its runtime uses: a token made here is one its bearer check knows.
  const fromNodeRed = createRequire(createRequire(import.meta.url).resolve('node-red'));
  const tokens = fromNodeRed('@node-red/editor-api/lib/auth/tokens') as Tokens;
  const bcrypt = fromNodeRed('bcryptjs') as Bcrypt;

  async function login(req: IncomingMessage, res: ServerResponse) {
    const address = req.socket.remoteAddress ?? '';
    const verdict = o.throttle?.check(address) ?? { ok: true };
    if (!verdict.ok) {
      return answer(
        res,
        429,
        { error: { code: 'too_many_attempts', message: `too many failed logins from this address; retry after ${verdict.retryAfterS} s` } },
        { 'retry-after': String(verdict.retryAfterS) },
      );
    }
    const form = await readForm(req);
    if (form === undefined)
      return answer(res, 400, {
        error: { code: 'bad_request', message: `the login form must be JSON or form-encoded, at most ${MAX_BODY} bytes` },
      });
    const parsed = LoginRequest.safeParse(form);
    if (!parsed.success) {
      const issues = issuesOf(parsed.error, { root: '(body)' });
      return answer(res, 400, { error: { code: 'bad_request', message: 'invalid login form', issues } });
    }
    const { username, password, client_id: client, scope } = parsed.data;
    // The hash is compared whatever the name, so a wrong name takes as long as a wrong password.
    const matches = await bcrypt.compare(password, o.passwordHash);
    if (!matches || username !== o.user) {
      const blocked = o.throttle?.fail(address).ok === false;
      o.logger[blocked ? 'warn' : 'info'](
        { username, remote: address },
        blocked ? 'Node-RED login failed: address throttled' : 'Node-RED login failed',
      );
      return answer(res, 403, { error: { code: 'invalid_grant', message: 'wrong user name or password' } });
    }
    // The only user has every permission ('*'), so any requested scope is granted as asked.
    const t = await tokens.create(username, client, scope === '' ? '*' : scope);
    o.logger.info({ username, remote: address }, 'Node-RED login');
    answer(res, 200, { access_token: t.accessToken, expires_in: t.expires_in, token_type: 'Bearer' });
  }

  return (req, res) => {
    login(req, res).catch((err: unknown) => {
      o.logger.error({ err }, 'Node-RED login failed with an error');
      if (!res.headersSent) answer(res, 500, { error: { code: 'internal', message: 'internal error' } });
    });
  };
}

function answer(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers });
  res.end(JSON.stringify(body));
}

/** The posted form as an object, or undefined when too large or neither JSON nor form-encoded. */
async function readForm(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req as AsyncIterable<Buffer>) {
    size += c.length;
    // Read on (and drop) past the limit rather than reset, so the client gets its 400.
    if (size <= MAX_BODY) chunks.push(c);
  }
  if (size > MAX_BODY) return undefined;
  const text = Buffer.concat(chunks).toString('utf8');
  const type = req.headers['content-type'] ?? '';
  if (type.startsWith('application/json')) {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      return undefined;
    }
  }
  if (type.startsWith('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(text));
  return undefined;
}
