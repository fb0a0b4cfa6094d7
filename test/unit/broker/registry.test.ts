import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createRegistry, hashPassword, loadRegistry, RegistryError, verifyPassword } from '../../../broker/index.js';

const COST = 1024; // cheap hashes keep the tests quick; the format is the same

describe('scrypt passwords', () => {
  it('hashes to scrypt$N$salt$hash and verifies', async () => {
    const hash = await hashPassword('s3cret', COST);
    expect(hash).toMatch(/^scrypt\$1024\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(await verifyPassword('s3cret', hash)).toBe(true);
    expect(await verifyPassword(Buffer.from('s3cret'), hash)).toBe(true);
    expect(await verifyPassword('s3cret!', hash)).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    expect(await hashPassword('pw', COST)).not.toBe(await hashPassword('pw', COST));
  });

  it('never matches a malformed hash', async () => {
    expect(await verifyPassword('pw', 'plain-text')).toBe(false);
    expect(await verifyPassword('pw', 'scrypt$1000$AAAA$AAAA')).toBe(false);
    expect(await verifyPassword('pw', 'scrypt$1024$AAAA$AAAA')).toBe(false);
  });

  it('refuses a cost that is not a power of two', async () => {
    await expect(hashPassword('pw', 1000)).rejects.toThrow(RangeError);
  });
});

describe('registry', () => {
  it('authenticates by username (default: the id) with plain or hashed passwords', async () => {
    const registry = await createRegistry({
      devices: [
        { id: 's1', kind: 'sensor', password: 'pw-1', district: 'Dongcheng' },
        { id: 'c1', kind: 'camera', username: 'gateway-7', passwordHash: await hashPassword('pw-2', COST) },
      ],
    });
    expect((await registry.authenticate('s1', 'pw-1'))?.id).toBe('s1');
    expect((await registry.authenticate('gateway-7', 'pw-2'))?.id).toBe('c1');
    expect(await registry.authenticate('s1', 'wrong')).toBeUndefined();
    expect(await registry.authenticate('nobody', 'pw-1')).toBeUndefined();
    expect(registry.get('s1')).toEqual({ id: 's1', kind: 'sensor', username: 's1', district: 'Dongcheng' });
    expect(registry.all().map((d) => d.id)).toEqual(['s1', 'c1']);
    expect(registry.isClaimed('gateway-7') && registry.isClaimed('c1') && !registry.isClaimed('x')).toBe(true);
    // No credential leaves the registry.
    expect(JSON.stringify(registry.all())).not.toMatch(/pw-|scrypt/);
  });

  it.each([
    [
      {
        devices: [
          { id: 's1', kind: 'sensor', password: 'p' },
          { id: 's2', kind: 'lamp', password: 'p' },
        ],
      },
      /device "s2" \(devices\[1\]\) field kind/,
    ],
    [{ devices: [{ id: 's1', kind: 'sensor', password: 'p', loc: { lat: 95, lon: 1 } }] }, /device "s1".*field loc\.lat/],
    [{ devices: [{ id: 's1', kind: 'sensor' }] }, /device "s1".*field password: exactly one of password or passwordHash/],
    [{ devices: [{ id: 's1', kind: 'sensor', password: 'p', passwordHash: 'x' }] }, /device "s1".*field passwordHash/],
    [
      { devices: [{ id: 's1', kind: 'sensor', passwordHash: 'md5$abc' }] },
      /device "s1".*field passwordHash: passwordHash must look like scrypt/,
    ],
    [{ devices: [{ id: 'bad id', kind: 'sensor', password: 'p' }] }, /device "bad id".*field id/],
    [{ devices: [{ kind: 'sensor', password: 'p' }] }, /device "#0".*field id/],
    [{ devices: [{ id: 's1', kind: 'sensor', password: 'p', pasword: 'typo' }] }, /device "s1".*pasword/],
    [
      {
        devices: [
          { id: 's1', kind: 'sensor', password: 'p' },
          { id: 's1', kind: 'camera', password: 'p' },
        ],
      },
      /device "s1" field id: duplicate/,
    ],
    [
      {
        devices: [
          { id: 's1', kind: 'sensor', password: 'p' },
          { id: 's2', kind: 'camera', username: 's1', password: 'p' },
        ],
      },
      /device "s2" field username: "s1" is already used/,
    ],
    [{ sensors: [] }, /field devices/],
  ])('names device and field: %j', async (data, message) => {
    const err = await createRegistry(data).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RegistryError);
    expect((err as Error).message).toMatch(message);
  });

  it('loads YAML and JSON files, and an empty registry without a path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'registry-'));
    const yaml = join(dir, 'devices.yaml');
    writeFileSync(yaml, 'devices:\n  - id: s1\n    kind: sensor\n    password: pw\n    loc: { lat: 39.9, lon: 116.4 }\n');
    const json = join(dir, 'devices.json');
    writeFileSync(json, JSON.stringify({ devices: [{ id: 'd1', kind: 'drone', password: 'pw' }] }));
    expect((await loadRegistry(yaml)).get('s1')?.loc).toEqual({ lat: 39.9, lon: 116.4 });
    expect((await loadRegistry(json)).get('d1')?.kind).toBe('drone');
    expect((await loadRegistry()).all()).toEqual([]);
    await expect(loadRegistry(join(dir, 'missing.yaml'))).rejects.toThrow(/cannot read/);
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'devices: [\n');
    await expect(loadRegistry(broken)).rejects.toThrow(RegistryError);
  });
});
