// Acknowledge link tokens: they carry case, person and expiry under an HMAC; anything else is refused naming why.
import { describe, expect, it } from 'vitest';
import { signLink, verifyLink } from '../../../notify/ack-link.js';

const SECRET = 'link-secret';
const claims = { v: 1 as const, i: 'INC-1', p: 'zhang', x: 2_000 };

describe('acknowledge links', () => {
  it('verifies before the expiry', () => {
    expect(verifyLink(signLink(claims, SECRET), SECRET, 1_999)).toEqual({ ok: true, claims });
  });

  it.each([
    ['expired', signLink(claims, SECRET), SECRET, 2_000, 410, 'token.x'],
    ['another secret', signLink(claims, SECRET), 'other', 1_000, 403, 'token'],
    ['not a token', 'abc', SECRET, 1_000, 400, 'token'],
    ['claims of the wrong shape', signLink({ ...claims, v: 2 } as never, SECRET), SECRET, 1_000, 400, 'token.v'],
  ])('refuses %s', (_, token, secret, now, status, field) => {
    const r = verifyLink(token, secret, now);
    expect(r).toMatchObject({ ok: false, status, field });
  });
});
