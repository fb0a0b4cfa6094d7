// Failed authentication, throttled per source address: the API's bearer tokens, the /ws upgrade
// and the Node-RED login share one throttle, since the Node-RED password defaults to the operator
// token. Keyed by address, never by user name, so guesses from one address never lock out a
// principal who authenticates from another one.
import { isIPv6 } from 'node:net';
import { z } from 'zod';

/** Limits of the throttle: `failures` failed attempts within `windowMs` block the address until the window ends. */
export const AuthThrottleOptions = z.strictObject({
  failures: z.number().int().positive('failures must be a positive integer').default(10),
  windowMs: z.number().int().positive('windowMs must be a positive number of milliseconds').default(60_000),
  /** Addresses remembered at most; beyond, the oldest window is forgotten first. */
  maxAddresses: z.number().int().positive('maxAddresses must be a positive integer').default(10_000),
});
export type AuthThrottleOptions = z.input<typeof AuthThrottleOptions>;

/** The throttle's verdict for an address: go on, or come back after `retryAfterS` seconds. */
export type ThrottleVerdict = { ok: true } | { ok: false; retryAfterS: number };

/** Per-address throttle of failed authentications (pure: time comes from `now`). */
export interface AuthThrottle {
  /** Whether an attempt from `address` may be checked at all. */
  check(address: string): ThrottleVerdict;
  /** Count a failed attempt from `address`; the verdict after it says whether this one blocked it. */
  fail(address: string): ThrottleVerdict;
  /** Addresses currently remembered (bounded by maxAddresses). */
  size(): number;
}

interface Window {
  start: number;
  failures: number;
}

/** Create a throttle; `now` is injected so tests need not sleep. */
export function createAuthThrottle(options: AuthThrottleOptions = {}, now: () => number = Date.now): AuthThrottle {
  const o = AuthThrottleOptions.parse(options);
  // Insertion order = order of each window's start, since a restarted window is re-inserted:
  // the first entries are the oldest, which is what the sweep and the cap rely on.
  const windows = new Map<string, Window>();
  const ended = (w: Window, t: number) => t - w.start >= o.windowMs;

  /** Forget windows that have ended: an idle address costs nothing after its window. */
  const sweep = (t: number) => {
    for (const [key, w] of windows) {
      if (!ended(w, t)) break;
      windows.delete(key);
    }
  };

  const check = (address: string): ThrottleVerdict => {
    const t = now();
    const w = windows.get(addressKey(address));
    if (!w || ended(w, t) || w.failures < o.failures) return { ok: true };
    return { ok: false, retryAfterS: Math.max(1, Math.ceil((w.start + o.windowMs - t) / 1000)) };
  };

  return {
    check,
    fail(address) {
      const t = now();
      sweep(t);
      const key = addressKey(address);
      const w = windows.get(key);
      if (w && !ended(w, t)) {
        w.failures++;
        return check(address);
      }
      windows.delete(key);
      // Many addresses at once (a distributed guess): the oldest is forgotten, memory stays bounded.
      if (windows.size >= o.maxAddresses) windows.delete(windows.keys().next().value!);
      windows.set(key, { start: t, failures: 1 });
      return check(address);
    },
    size: () => windows.size,
  };
}

/**
 * The key an address is counted under: IPv4-mapped IPv6 as plain IPv4, and an IPv6 address by
 * its /64 network, since one host is commonly given a whole /64 and could rotate through it.
 */
export function addressKey(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!isIPv6(address)) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('%')[0]!.split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}
