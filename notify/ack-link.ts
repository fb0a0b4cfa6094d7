// Signed, expiring acknowledge links (GET /a/{token}): the token carries the case, the person and
// the expiry, and an HMAC-SHA256 with the service's link secret, so no operator token is needed
// and nobody can make one for another case, person or time.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { issuesOf } from '../model/index.js';

/** The file in the data dir that keeps the generated link key. */
export const LINK_KEY_FILE_NAME = 'notify-link.key';

/** What a link token says, once its signature checks. */
export const LinkClaims = z.strictObject({
  v: z.literal(1),
  /** The incident id. */
  i: z.string().min(1).max(64),
  /** The person (or receiver) acknowledging. */
  p: z.string().min(1).max(64),
  /** Expiry, ms since the epoch. */
  x: z.number().int().positive(),
});
export type LinkClaims = z.infer<typeof LinkClaims>;

const mac = (secret: string, data: string) => createHmac('sha256', secret).update(data).digest();

/** A token for `claims`. */
export function signLink(claims: LinkClaims, secret: string): string {
  const data = Buffer.from(JSON.stringify(claims)).toString('base64url');
  return `${data}.${mac(secret, data).toString('base64url')}`;
}

/** Why a token is refused: malformed, bad signature, or expired (the field names what failed). */
export type LinkCheck = { ok: true; claims: LinkClaims } | { ok: false; status: 400 | 403 | 410; field: string; message: string };

/** Check a token's shape, signature and expiry at `now`. */
export function verifyLink(token: string, secret: string, now: number): LinkCheck {
  const m = /^([A-Za-z0-9_-]{1,1024})\.([A-Za-z0-9_-]{43})$/.exec(token);
  if (!m) return { ok: false, status: 400, field: 'token', message: 'not an acknowledge link token' };
  const [, data, sig] = m as unknown as [string, string, string];
  const given = Buffer.from(sig, 'base64url');
  const want = mac(secret, data);
  if (given.length !== want.length || !timingSafeEqual(given, want))
    return { ok: false, status: 403, field: 'token', message: 'the link signature does not match' };
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(data, 'base64url').toString('utf8'));
  } catch {
    return { ok: false, status: 400, field: 'token', message: 'the link payload is not JSON' };
  }
  const claims = LinkClaims.safeParse(raw);
  if (!claims.success) {
    const [issue] = issuesOf(claims.error);
    return { ok: false, status: 400, field: `token.${issue?.path ?? ''}`, message: issue?.message ?? 'invalid' };
  }
  if (claims.data.x <= now)
    return { ok: false, status: 410, field: 'token.x', message: `the link expired at ${new Date(claims.data.x).toISOString()}` };
  return { ok: true, claims: claims.data };
}

/** The configured secret, else the one kept in the data dir (made on first start, readable by the owner only). */
export function linkSecret(configured: string | undefined, dataDir: string): string {
  if (configured) {
    if (configured.length < 16) throw new Error('notify.linkSecret: at least 16 characters');
    return configured;
  }
  if (dataDir === ':memory:') return randomBytes(32).toString('hex');
  const file = path.join(dataDir, LINK_KEY_FILE_NAME);
  if (existsSync(file)) {
    const kept = readFileSync(file, 'utf8').trim();
    // An emptied or truncated key would make links anyone can forge: refuse to start instead.
    if (kept.length < 32) throw new Error(`${file} holds no usable link key (delete it to have a new one made)`);
    return kept;
  }
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(32).toString('hex');
  writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return secret;
}
