// Silences and inhibition on a controlled clock, over a real SQLite store.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findInhibitor } from '../../../alerts/inhibition.js';
import { SilenceInput, compileSilence, createSilenceService, silenceState } from '../../../alerts/silences.js';
import { globToRegExp } from '../../../rules/select.js';
import { DB_FILE_NAME, openSqliteStore } from '../../../store/index.js';
import { tempDir } from '../store/fixtures.js';
import { type Harness, T0, detection, harness } from './management-helpers.js';

const HOUR = 3_600_000;

describe('silence matchers', () => {
  it.each([
    ['sensor-*', 'sensor-001', true],
    ['sensor-*', 'camera-001', false],
    ['sensor-00?', 'sensor-001', true],
    ['sensor-00?', 'sensor-0011', false],
    ['G-1-1', 'G-1-1', true],
    ['G-1-1', 'G-1-10', false], // exact without wildcards
    ['a.b', 'axb', false], // regex characters are literal
  ])('glob %s vs %s → %s', (glob, value, hit) => {
    expect(globToRegExp(glob).test(value)).toBe(hit);
  });

  it('needs every given matcher to match, and only inside [startsAt, endsAt)', () => {
    const s = {
      id: 's',
      matchers: { device: 'sensor-*', grid: 'G-1-1' },
      createdBy: 'op',
      comment: 'pump test',
      startsAt: T0,
      endsAt: T0 + HOUR,
      createdAt: T0,
    };
    expect(compileSilence(s)(detection(), T0)).toBe(true);
    expect(compileSilence(s)(detection({ grid: 'G-2-2' }), T0)).toBe(false);
    expect(compileSilence(s)(detection({ grid: undefined }), T0)).toBe(false);
    expect(compileSilence(s)(detection(), T0 - 1)).toBe(false);
    expect(compileSilence(s)(detection(), T0 + HOUR)).toBe(false);
    expect([T0 - 1, T0, T0 + HOUR].map((t) => silenceState(s, t))).toEqual(['pending', 'active', 'expired']);
  });

  it('refuses a silence with no matcher, an unknown matcher, or both endsAt and duration, naming the field', () => {
    const base = { createdBy: 'op', comment: 'why', duration: '1h' };
    const paths = (v: unknown) => (SilenceInput.safeParse(v).error?.issues ?? []).map((i) => i.path.join('.'));
    expect(paths({ ...base, matchers: {} })).toEqual(['matchers']);
    expect(paths({ ...base, matchers: { severity: 'red' } })).toContain('matchers');
    expect(paths({ ...base, matchers: { device: 'x' }, endsAt: T0 })).toEqual(['endsAt']);
    expect(paths({ ...base, matchers: { device: 'x' }, duration: 'soon' })).toEqual(['duration']);
    expect(paths({ ...base, matchers: { device: 'x' } })).toEqual([]);
  });
});

describe('silences in the incident service', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });
  afterEach(() => h.close());

  const silence = (matchers: Record<string, string>, duration = '1h') => {
    const r = h.silences.create(SilenceInput.parse({ matchers, createdBy: 'op-li', comment: 'pump maintenance', duration }));
    if (!r.ok) throw new Error(r.message);
    return r.silence;
  };

  it('a silenced detection opens no incident, pushes nothing, and is counted', () => {
    const s = silence({ device: 'sensor-00*', category: 'flood' });
    expect(h.svc.onDetection(detection())).toBeUndefined();
    expect(h.svc.list({})).toHaveLength(0);
    expect(h.published).toEqual([]);
    expect(h.muted).toEqual([{ detection: expect.any(String), reason: 'silence' }]);
    // Another device is not silenced.
    expect(h.svc.onDetection(detection({ deviceId: 'camera-7', dedupKey: 'smoke:camera-7' }))).toBeDefined();
    expect(h.silences.list('active').map((x) => x.id)).toEqual([s.id]);
  });

  it('ends at endsAt on the clock, and early by expire (kept on record)', () => {
    const s = silence({ rule: 'water-*' }, '30m');
    h.clock.now += 30 * 60_000;
    expect(h.svc.onDetection(detection())).toBeDefined(); // expired at endsAt
    const t = silence({ grid: 'G-5-5' });
    h.clock.now += 1000;
    const ended = h.silences.expire(t.id, 'op-wang')!;
    expect(ended).toMatchObject({ endsAt: h.clock.now, expiredBy: 'op-wang' });
    expect(h.svc.onDetection(detection({ grid: 'G-5-5', dedupKey: 'water-high:sensor-009', deviceId: 'sensor-009' }))).toBeDefined();
    expect(
      h.silences
        .list('expired')
        .map((x) => x.id)
        .sort(),
    ).toEqual([s.id, t.id].sort());
    expect(h.silences.expire('SIL-NOPE')).toBeUndefined();
  });

  it('a silence starting later is pending until then', () => {
    const r = h.silences.create(
      SilenceInput.parse({ matchers: { district: 'huangpu' }, createdBy: 'op', comment: 'drill', startsAt: T0 + HOUR, duration: '1h' }),
    );
    expect(r.ok && h.silences.list('pending')).toHaveLength(1);
    expect(h.svc.onDetection(detection())).toBeDefined();
    h.clock.now = T0 + HOUR;
    expect(h.svc.onDetection(detection({ dedupKey: 'other', deviceId: 'sensor-2' }))).toBeUndefined();
  });
});

describe('silences kept in memory', () => {
  const input = (matchers: Record<string, string>) =>
    SilenceInput.parse({ matchers, createdBy: 'op-li', comment: 'pump maintenance', duration: '1h' });

  it('reads the store once for many matches, and again after a change or once a silence has ended', () => {
    const store = openSqliteStore({ path: ':memory:' });
    const clock = { now: T0 };
    let reads = 0;
    const counted = { ...store.silences, unendedAt: (now: number) => (reads++, store.silences.unendedAt(now)) };
    const silences = createSilenceService({ store: counted, clock: () => clock.now });
    try {
      silences.create(input({ device: 'sensor-00*' }));
      for (let i = 0; i < 100; i++) expect(silences.match(detection())).toBeDefined();
      expect(reads).toBe(1);
      const other = silences.create(input({ grid: 'G-9-9' }));
      expect(silences.match(detection({ deviceId: 'x', grid: 'G-9-9' }))?.id).toBe(other.ok && other.silence.id);
      expect(reads).toBe(2);
      clock.now += HOUR; // both ended: read again, nothing left to match
      expect(silences.match(detection())).toBeUndefined();
      expect(reads).toBe(3);
    } finally {
      void store.close();
    }
  });

  it('sees a silence written through another connection at the next match', async () => {
    const tmp = tempDir();
    const store = openSqliteStore({ dataDir: tmp.dir });
    const silences = createSilenceService({ store: store.silences, clock: () => T0 });
    const other = new Database(join(tmp.dir, DB_FILE_NAME));
    try {
      expect(silences.match(detection())).toBeUndefined();
      const s = {
        id: 'SIL-OTHER',
        matchers: { device: 'sensor-*' },
        createdBy: 'op',
        comment: 'elsewhere',
        startsAt: T0,
        endsAt: T0 + HOUR,
        createdAt: T0,
      };
      other
        .prepare('INSERT INTO silences (id, starts_at, ends_at, created_at, body) VALUES (?, ?, ?, ?, ?)')
        .run(s.id, s.startsAt, s.endsAt, s.createdAt, JSON.stringify(s));
      expect(silences.match(detection())?.id).toBe('SIL-OTHER');
    } finally {
      other.close();
      await store.close();
      tmp.remove();
    }
  });
});

describe('inhibition', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });
  afterEach(() => h.close());

  it('an open orange incident mutes lower detections of its category in its grid, on its timeline', () => {
    const big = h.svc.onDetection(detection({ severity: 'orange' }))!;
    h.published.length = 0;
    h.clock.now += 1000;
    const other = { dedupKey: 'water-high:sensor-002', deviceId: 'sensor-002' };
    const r = h.svc.onDetection(detection({ ...other, severity: 'yellow' }));
    expect(r?.id).toBe(big.id);
    expect(h.svc.list({})).toHaveLength(1);
    // No alert is pushed; the inhibiting incident's change is.
    expect(h.published.map((m) => m.type)).toEqual(['incident']);
    const last = h.svc.timeline(big.id).at(-1)!;
    expect(last).toMatchObject({ type: 'inhibited', data: { deviceId: 'sensor-002', severity: 'yellow', dedupKey: other.dedupKey } });
    expect(h.svc.get(big.id)!.inhibited).toBe(1);
    expect(h.muted.map((m) => m.reason)).toEqual(['inhibition']);

    // Not muted: same severity, another category, another grid, or the incident's own key.
    expect(h.svc.onDetection(detection({ ...other, severity: 'orange' }))!.id).not.toBe(big.id);
    expect(h.svc.onDetection(detection({ dedupKey: 'smoke:cam', deviceId: 'cam', category: 'fire' }))!.id).not.toBe(big.id);
    expect(h.svc.onDetection(detection({ dedupKey: 'w:s9', deviceId: 's9', grid: 'G-9-9' }))!.id).not.toBe(big.id);
    expect(h.svc.onDetection(detection({ severity: 'blue' }))!).toMatchObject({ id: big.id, detections: 2 });
  });

  it('does not take detections from a case opened before the inhibitor', () => {
    const small = h.svc.onDetection(detection({ severity: 'yellow' }))!;
    const big = h.svc.onDetection(detection({ dedupKey: 'w:s2', deviceId: 's2', severity: 'red' }))!;
    expect(big.id).not.toBe(small.id);
    expect(h.svc.onDetection(detection({ severity: 'yellow' }))).toMatchObject({ id: small.id, detections: 2 });
    expect(h.svc.onDetection(detection({ dedupKey: 'w:s3', deviceId: 's3', severity: 'yellow' }))).toMatchObject({
      id: big.id,
      inhibited: 1,
    });
  });

  it('stops once the inhibiting incident is no longer open; a yellow one never inhibits', () => {
    const big = h.svc.onDetection(detection({ severity: 'red' }))!;
    h.svc.act(big.id, { action: 'false_alarm', by: 'op' });
    const next = h.svc.onDetection(detection({ dedupKey: 'w:s2', deviceId: 's2', severity: 'yellow' }))!;
    expect(next.id).not.toBe(big.id);
    const low = h.svc.onDetection(detection({ dedupKey: 'w:s3', deviceId: 's3', severity: 'blue' }))!;
    expect(low.id).not.toBe(next.id);
  });

  it('prefers the highest, then the oldest inhibitor', () => {
    const mk = (id: string, severity: 'red' | 'orange', createdAt: number) =>
      ({ id, state: 'warning', severity, category: 'flood', grid: 'G-1-1', createdAt, dedupKey: id }) as never;
    const d = detection({ severity: 'yellow' });
    expect(findInhibitor([mk('a', 'orange', 1), mk('b', 'red', 5), mk('c', 'red', 3)], d)).toMatchObject({ id: 'c' });
    expect(findInhibitor([mk('a', 'orange', 1)], { ...d, phase: 'clear' })).toBeUndefined();
  });
});
