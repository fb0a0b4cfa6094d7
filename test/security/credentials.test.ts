// Stored credentials: device passwords live only as scrypt hashes; people's tokens
// only as SHA-256 digests; a duplicate token in the config is refused at start.
import { describe, expect, it } from 'vitest';
import { createRegistry, hashPassword, verifyPassword } from '../../broker/index.js';
import { createAuthenticator } from '../../app/auth.js';

describe('credentials at rest', () => {
  it('keeps no device password in the registry, only scrypt (N = 2^14, r = 8, p = 1) hashes', async () => {
    const registry = await createRegistry({ devices: [{ id: 's1', kind: 'sensor', password: 'plain-secret-1' }] });
    expect(JSON.stringify(registry.all())).not.toContain('plain-secret-1');
    expect(JSON.stringify(registry.get('s1'))).not.toMatch(/password|scrypt/);
    expect(await registry.authenticate('s1', 'plain-secret-1')).toMatchObject({ id: 's1' });
    expect(await registry.authenticate('s1', 'plain-secret-2')).toBeUndefined();
    const hash = await hashPassword('plain-secret-1');
    expect(hash).toMatch(/^scrypt\$16384\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$/);
    expect(await verifyPassword('plain-secret-1', hash)).toBe(true);
  });

  it('maps tokens to principals, the operator token to an admin, and refuses a reused token', () => {
    const auth = createAuthenticator('operator-token-0123456789', [
      { name: 'crew', token: 'crew-token-0123456789', role: 'operator', department: 'water-affairs' },
    ]);
    expect(auth.principalOf('operator-token-0123456789')).toEqual({ name: 'operator-token', role: 'admin' });
    expect(auth.principalOf('crew-token-0123456789')).toEqual({ name: 'crew', role: 'operator', department: 'water-affairs' });
    expect(auth.principalOf('crew-token-012345678')).toBeUndefined();
    expect(auth.principalOf('')).toBeUndefined();
    expect(() =>
      createAuthenticator('operator-token-0123456789', [{ name: 'x', token: 'operator-token-0123456789', role: 'viewer' }]),
    ).toThrow(/reuses the token/);
  });
});
