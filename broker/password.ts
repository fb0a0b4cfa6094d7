// Device passwords are kept as scrypt hashes: `scrypt$N$salt$hash` (salt and hash in
// base64, r=8 p=1, 32-byte key). A registry file may carry either form.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const KEY_LENGTH = 32;
const BLOCK_SIZE = 8;
const PARALLEL = 1;
/** 2^14: about 50 ms per check on a laptop core; raise it in files with `hashPassword(pw, 2 ** 15)`. */
export const DEFAULT_SCRYPT_COST = 16_384;
const MAX_COST = 2 ** 20;

const HASH_FORMAT = /^scrypt\$(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/;

function scrypt(password: string | Buffer, salt: Buffer, cost: number): Promise<Buffer> {
  const options: ScryptOptions = {
    N: cost,
    r: BLOCK_SIZE,
    p: PARALLEL,
    // scrypt needs 128·N·r bytes; Node's default maxmem (32 MiB) would refuse costs above 2^15.
    maxmem: 256 * cost * BLOCK_SIZE,
  };
  return new Promise((resolve, reject) => {
    scryptCb(password, salt, KEY_LENGTH, options, (err, key) => (err ? reject(err) : resolve(key)));
  });
}

function isValidCost(cost: number): boolean {
  // scrypt needs N to be a power of two greater than 1.
  return Number.isInteger(cost) && cost > 1 && cost <= MAX_COST && (cost & (cost - 1)) === 0;
}

/** True when `value` has the `scrypt$N$salt$hash` shape with a usable cost. */
export function isPasswordHash(value: string): boolean {
  const m = HASH_FORMAT.exec(value);
  return m !== null && isValidCost(Number(m[1]));
}

/** Hash a password into the `scrypt$N$salt$hash` form stored in the device registry. */
export async function hashPassword(password: string, cost = DEFAULT_SCRYPT_COST): Promise<string> {
  if (!isValidCost(cost)) throw new RangeError(`scrypt cost must be a power of two ≤ ${MAX_COST}`);
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, cost);
  return `scrypt$${cost}$${salt.toString('base64')}$${key.toString('base64')}`;
}

/** Check a password against a stored hash in constant time; a malformed hash never matches. */
export async function verifyPassword(password: string | Buffer, stored: string): Promise<boolean> {
  const m = HASH_FORMAT.exec(stored);
  if (m === null) return false;
  const cost = Number(m[1]);
  if (!isValidCost(cost)) return false;
  const salt = Buffer.from(m[2] ?? '', 'base64');
  const expected = Buffer.from(m[3] ?? '', 'base64');
  if (expected.length !== KEY_LENGTH) return false;
  const actual = await scrypt(password, salt, cost);
  return timingSafeEqual(actual, expected);
}
