import { describe, expect, it } from 'vitest';
import { addressKey, createAuthThrottle } from '../../../app/auth-throttle.js';

const clock = (start = 1_000_000) => {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
};

describe('auth throttle', () => {
  it('blocks an address after `failures` failures within the window, until the window ends', () => {
    const c = clock();
    const th = createAuthThrottle({ failures: 3, windowMs: 60_000 }, c.now);
    for (let i = 0; i < 3; i++) {
      expect(th.check('10.0.0.1')).toEqual({ ok: true });
      // The third failure is the one that blocks, and says so.
      expect(th.fail('10.0.0.1').ok).toBe(i < 2);
    }
    expect(th.check('10.0.0.1')).toEqual({ ok: false, retryAfterS: 60 });
    c.advance(45_500);
    expect(th.check('10.0.0.1')).toEqual({ ok: false, retryAfterS: 15 });
    c.advance(14_500);
    expect(th.check('10.0.0.1')).toEqual({ ok: true });
    // A new window starts from scratch.
    th.fail('10.0.0.1');
    expect(th.check('10.0.0.1')).toEqual({ ok: true });
  });

  it('counts each address on its own: one address guessing never blocks another', () => {
    const c = clock();
    const th = createAuthThrottle({ failures: 2, windowMs: 10_000 }, c.now);
    th.fail('10.0.0.1');
    th.fail('10.0.0.1');
    expect(th.check('10.0.0.1').ok).toBe(false);
    expect(th.check('10.0.0.2')).toEqual({ ok: true });
    expect(th.check('::ffff:10.0.0.1').ok).toBe(false);
  });

  it('failures spread over more than a window never block', () => {
    const c = clock();
    const th = createAuthThrottle({ failures: 2, windowMs: 10_000 }, c.now);
    th.fail('10.0.0.1');
    c.advance(10_000);
    th.fail('10.0.0.1');
    expect(th.check('10.0.0.1')).toEqual({ ok: true });
  });

  it('forgets idle addresses, and never remembers more than maxAddresses', () => {
    const c = clock();
    const th = createAuthThrottle({ failures: 1, windowMs: 1_000, maxAddresses: 100 }, c.now);
    for (let i = 0; i < 50; i++) th.fail(`10.0.0.${i}`);
    expect(th.size()).toBe(50);
    c.advance(1_000);
    th.fail('10.0.1.1');
    expect(th.size()).toBe(1);
    for (let i = 0; i < 500; i++) th.fail(`10.1.${i >> 8}.${i & 255}`);
    expect(th.size()).toBe(100);
    // The newest are the ones kept.
    expect(th.check('10.1.1.243').ok).toBe(false);
    expect(th.check('10.1.0.0').ok).toBe(true);
  });

  it('validates its options, naming the field', () => {
    expect(() => createAuthThrottle({ failures: 0 })).toThrow(/failures/);
    expect(() => createAuthThrottle({ windowMs: -1 })).toThrow(/windowMs/);
  });

  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['::ffff:127.0.0.2', '127.0.0.2'],
    ['::1', '0:0:0:0::/64'],
    ['2001:db8:0:1:aaaa::1', '2001:db8:0:1::/64'],
    ['2001:0db8:0000:0001:ffff:1:2:3', '2001:db8:0:1::/64'],
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
  ])('counts %s under %s', (address, key) => {
    expect(addressKey(address)).toBe(key);
  });
});
