// People's access: bearer tokens, each naming a principal with a role and, for a
// department's responders, a department. The operator token of DESIGN.md is an admin token.
import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { z } from 'zod';
import { type Principal, Role } from '../alerts/index.js';

/** One entry of the config's `tokens` list. */
export const TokenEntry = z.strictObject({
  name: z.string().trim().min(1).max(64),
  token: z.string().min(16, 'a token must be at least 16 characters'),
  role: Role,
  department: z.string().min(1).max(128).optional(),
});
export type TokenEntry = z.infer<typeof TokenEntry>;

/** The name the operator token's actions are recorded under. */
export const OPERATOR_TOKEN_NAME = 'operator-token';

export interface Authenticator {
  /** The principal a token stands for, else undefined. */
  principalOf(token: string): Principal | undefined;
  /** The principal of a request: `Authorization: Bearer …`, else `?token=` (browsers' WebSockets). */
  authenticate(req: IncomingMessage, url: URL): Principal | undefined;
}

// Tokens are looked up by their SHA-256: the map lookup then compares digests, not the secret,
// so its timing tells nothing useful about the token, and no plain token is kept in memory.
const digest = (token: string) => createHash('sha256').update(token).digest('base64');

/** The token given with a request, or '' when none. */
export function tokenOf(req: IncomingMessage, url: URL): string {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice(7).trim() : (url.searchParams.get('token') ?? '');
}

/** Build the authenticator; throws on two entries with the same token or name (a config mistake). */
export function createAuthenticator(operatorToken: string, entries: readonly TokenEntry[] = []): Authenticator {
  const byDigest = new Map<string, Principal>();
  const names = new Set<string>();
  const add = (token: string, principal: Principal) => {
    const key = digest(token);
    if (byDigest.has(key)) throw new Error(`tokens: "${principal.name}" reuses the token of "${byDigest.get(key)?.name}"`);
    if (names.has(principal.name)) throw new Error(`tokens: the name "${principal.name}" is used twice`);
    byDigest.set(key, principal);
    names.add(principal.name);
  };
  add(operatorToken, { name: OPERATOR_TOKEN_NAME, role: 'admin' });
  for (const e of entries) add(e.token, { name: e.name, role: e.role, ...(e.department ? { department: e.department } : {}) });

  const principalOf = (token: string) => (token === '' ? undefined : byDigest.get(digest(token)));
  return { principalOf, authenticate: (req, url) => principalOf(tokenOf(req, url)) };
}
