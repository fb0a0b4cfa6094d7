// Muting never eats a warning: the pure bookkeeping of muted raises, and the ledger over a real
// SQLite store handing them back to the incident service when a silence ends or an inhibitor closes.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createIncidentService, type IncidentService } from '../../../alerts/incidents.js';
import { type MuteCause, createMutedKeys, holdsRaised, muteNote } from '../../../alerts/muted-keys.js';
import { DEFAULT_ROUTING, RoutingTable, createRouter } from '../../../alerts/routing.js';
import { SilenceInput, createSilenceService, type SilenceService } from '../../../alerts/silences.js';
import { createMuteLedger, sweepAfterActions, type MuteLedgerRuntime } from '../../../alerts/unmute.js';
import { DB_FILE_NAME, type SqliteStore, openSqliteStore } from '../../../store/index.js';
import type { LogMessage } from '../../../store/types.js';
import { tempDir } from '../store/fixtures.js';
import { T0, detection } from './management-helpers.js';

const MIN = 60_000;
const S1: MuteCause = { reason: 'silence', silenceId: 'SIL-1' };
const S2: MuteCause = { reason: 'silence', silenceId: 'SIL-2' };
const I1: MuteCause = { reason: 'inhibition', incidentId: 'INC-1' };

describe('muted keys (pure bookkeeping)', () => {
  it('keeps the latest raise of a key, a new span only when the cause changes', () => {
    const keys = createMutedKeys();
    keys.mute(detection({ value: 0.6 }), S1, T0);
    keys.mute(detection({ value: 0.9, severity: 'orange' }), S1, T0 + MIN);
    expect(keys.get('water-high:sensor-001')).toMatchObject({
      detection: { value: 0.9, severity: 'orange' },
      spans: [{ cause: S1, from: T0 }],
    });
    keys.mute(detection(), I1, T0 + 2 * MIN);
    expect(keys.get('water-high:sensor-001')!.spans).toEqual([
      { cause: S1, from: T0, to: T0 + 2 * MIN },
      { cause: I1, from: T0 + 2 * MIN },
    ]);
    expect(keys.clear('water-high:sensor-001')?.key).toBe('water-high:sensor-001');
    expect(keys.size).toBe(0);
    expect(keys.clear('water-high:sensor-001')).toBeUndefined();
  });

  it('releases only the keys whose current cause no longer holds', () => {
    const keys = createMutedKeys();
    keys.mute(detection({ dedupKey: 'a' }), S1, T0);
    keys.mute(detection({ dedupKey: 'b' }), S2, T0);
    keys.mute(detection({ dedupKey: 'c' }), I1, T0);
    const ended = new Set(['SIL-1', 'INC-1']);
    const inForce = (c: MuteCause) => !ended.has(c.reason === 'silence' ? c.silenceId : c.incidentId);
    expect(keys.released(inForce).map((m) => m.key)).toEqual(['a', 'c']);
  });

  it('is bounded: the longest-muted key is evicted and returned; restore keeps the newest', () => {
    const keys = createMutedKeys(2);
    keys.mute(detection({ dedupKey: 'a' }), S1, T0);
    keys.mute(detection({ dedupKey: 'b' }), S1, T0);
    expect(keys.mute(detection({ dedupKey: 'b' }), S1, T0).evicted).toBeUndefined(); // a known key evicts nothing
    expect(keys.mute(detection({ dedupKey: 'c' }), S1, T0).evicted?.key).toBe('a');
    expect(keys.entries().map((m) => m.key)).toEqual(['b', 'c']);
    const other = createMutedKeys(2);
    other.restore(['x', 'y', 'z'].map((k) => ({ key: k, detection: detection({ dedupKey: k }), spans: [{ cause: S1, from: T0 }] })));
    expect(other.entries().map((m) => m.key)).toEqual(['y', 'z']);
  });

  it('keeps held conditions only: an event raise is a moment, a clear is no raise', () => {
    expect(holdsRaised(detection())).toBe(true);
    expect(holdsRaised(detection({ ruleKind: 'event' }))).toBe(false);
    expect(holdsRaised(detection({ phase: 'clear' }))).toBe(false);
  });

  it('notes each stretch of muting, the open one up to now', () => {
    const note = muteNote(
      [
        { cause: S1, from: T0, to: T0 + MIN },
        { cause: I1, from: T0 + MIN },
      ],
      T0 + 5 * MIN,
    );
    expect(note).toBe(
      'muted by silence SIL-1 from 2026-11-28T08:00:00Z to 2026-11-28T08:01:00Z; inhibited by incident INC-1 from 2026-11-28T08:01:00Z to 2026-11-28T08:05:00Z',
    );
  });
});

interface Rig {
  store: SqliteStore;
  svc: IncidentService;
  silences: SilenceService;
  ledger: MuteLedgerRuntime;
  published: LogMessage[];
  released: string[];
  clock: { now: number };
}

/** The incident service with a ledger, over a real store; `max` bounds the ledger. */
function rig(store = openSqliteStore({ path: ':memory:' }), max?: number, clock = { now: T0 }, sweepsShared?: () => boolean): Rig {
  const published: LogMessage[] = [];
  const released: string[] = [];
  const silences = createSilenceService({ store: store.silences, clock: () => clock.now });
  let ids = 0;
  let svc: IncidentService;
  const ledger = createMuteLedger({
    keys: createMutedKeys(max),
    store: store.mutedKeys,
    silences,
    incidents: store.incidents,
    redo: (d) => svc.onDetection(d),
    release: (d) => released.push(d.dedupKey),
    clock: () => clock.now,
    sweepsShared,
  });
  svc = createIncidentService({
    store: store.incidents,
    router: createRouter(RoutingTable.parse(DEFAULT_ROUTING)),
    publish: (m) => published.push(m),
    clock: () => clock.now,
    newId: () => `INC-U-${++ids}`,
    silences,
    muted: ledger,
    unit: (fn) => store.writeTransaction(fn),
  });
  svc = sweepAfterActions(svc, ledger);
  return { store, svc, silences, ledger, published, released, clock };
}

describe('the mute ledger of a cluster: one shared store, one node sweeping', () => {
  it('hands back a raise muted on a node that is gone, from the node that sweeps, once', async () => {
    // Two connections to one store file stand for two nodes' connections to the shared store.
    const tmp = tempDir();
    const clock = { now: T0 };
    const a = rig(openSqliteStore({ dataDir: tmp.dir }), undefined, clock, () => false);
    const b = rig(openSqliteStore({ dataDir: tmp.dir }), undefined, clock, () => true);
    const s = a.silences.create(
      SilenceInput.parse({ matchers: { device: 'sensor-001' }, createdBy: 'op-li', comment: 'pump test', duration: '30m' }),
    );
    if (!s.ok) throw new Error(s.message);
    expect(a.svc.onDetection(detection())).toBeUndefined(); // muted on A
    expect(b.ledger.sweep()).toBe(0); // B sees it in the store, still silenced
    a.ledger.close();
    await a.store.close(); // A is gone
    clock.now = s.silence.endsAt;
    expect(b.ledger.sweep()).toBe(1);
    const opened = b.svc.list({}).filter((i) => i.deviceId === 'sensor-001');
    expect(opened).toHaveLength(1);
    expect(b.svc.timeline(opened[0]!.id)[0]!.note).toContain(`muted by silence ${s.silence.id}`);
    expect(b.store.mutedKeys.load()).toEqual([]);
    expect(b.ledger.sweep()).toBe(0);
    b.ledger.close();
    await b.store.close();
    tmp.remove();
  });

  it('leaves the sweep to the sweeping node: the others hand back nothing', () => {
    const clock = { now: T0 };
    const a = rig(undefined, undefined, clock, () => false);
    const s = a.silences.create(
      SilenceInput.parse({ matchers: { device: 'sensor-001' }, createdBy: 'op-li', comment: 'c', duration: '10m' }),
    );
    if (!s.ok) throw new Error(s.message);
    a.svc.onDetection(detection());
    clock.now = s.silence.endsAt;
    expect(a.ledger.sweep()).toBe(0);
    expect(a.store.mutedKeys.load()).toHaveLength(1); // still kept for the sweeping node
    a.ledger.close();
    void a.store.close();
  });
});

describe('the mute ledger in the incident service', () => {
  let r: Rig | undefined;
  afterEach(async () => {
    r?.ledger.close();
    await r?.store.close();
    r = undefined;
  });
  const silence = (silences: SilenceService, matchers: Record<string, string>, duration = '30m') => {
    const s = silences.create(SilenceInput.parse({ matchers, createdBy: 'op-li', comment: 'pump test', duration }));
    if (!s.ok) throw new Error(s.message);
    return s.silence;
  };
  const opened = (x: Rig) => x.svc.list({}).filter((i) => i.deviceId === 'sensor-001');

  it('opens the incident of a raise muted by a silence once it ends, with a note, and no new detection', () => {
    r = rig();
    const s = silence(r.silences, { device: 'sensor-001' });
    expect(r.svc.onDetection(detection())).toBeUndefined();
    expect(r.ledger.nextWakeAt()).toBe(s.endsAt);
    expect(r.ledger.sweep()).toBe(0); // still silenced
    r.clock.now = s.endsAt;
    expect(r.ledger.sweep()).toBe(1);
    const [inc] = opened(r);
    expect(inc).toBeDefined();
    const first = r.svc.timeline(inc!.id)[0]!;
    expect(first.type).toBe('opened');
    expect(first.note).toContain(`muted by silence ${s.id} from 2026-11-28T08:00:00Z to 2026-11-28T08:30:00Z`);
    expect(first.data).toMatchObject({ muted: [{ cause: { reason: 'silence', silenceId: s.id } }] });
    expect(r.published.filter((m) => m.type === 'alert')).toHaveLength(1);
    expect(r.ledger.size).toBe(0);
    expect(r.store.mutedKeys.load()).toEqual([]);
    expect(r.ledger.sweep()).toBe(0); // handed back once
  });

  it('a clear while silenced, or an early delete after it, opens nothing', () => {
    r = rig();
    const s = silence(r.silences, { device: 'sensor-001' });
    r.svc.onDetection(detection());
    r.svc.onDetection(detection({ phase: 'clear', message: 'back below' }));
    expect(r.ledger.size).toBe(0);
    r.silences.expire(s.id, 'op-li');
    r.ledger.sweep();
    expect(opened(r)).toEqual([]);
  });

  it('a second silence still active keeps it muted; the note names both', () => {
    r = rig();
    const a = silence(r.silences, { device: 'sensor-001' }, '10m');
    const b = silence(r.silences, { grid: 'G-1-1' }, '20m');
    r.svc.onDetection(detection());
    r.clock.now = a.endsAt;
    expect(r.ledger.sweep()).toBe(1); // handed back, and muted again by b
    expect(opened(r)).toEqual([]);
    expect(r.ledger.nextWakeAt()).toBe(b.endsAt);
    r.clock.now = b.endsAt;
    r.ledger.sweep();
    const note = r.svc.timeline(opened(r)[0]!.id)[0]!.note!;
    expect(note).toContain(`muted by silence ${a.id}`);
    expect(note).toContain(`muted by silence ${b.id} from 2026-11-28T08:10:00Z to 2026-11-28T08:20:00Z`);
  });

  it('opens an inhibited raise once its inhibitor is closed (false alarm), not while it is only acknowledged', () => {
    r = rig();
    const big = r.svc.onDetection(detection({ dedupKey: 'water-high:sensor-009', deviceId: 'sensor-009', severity: 'orange' }))!;
    r.svc.onDetection(detection({ severity: 'yellow' }));
    expect(r.ledger.size).toBe(1);
    r.svc.act(big.id, { action: 'acknowledge', by: 'op' });
    expect(opened(r)).toEqual([]);
    r.clock.now += MIN;
    r.svc.act(big.id, { action: 'false_alarm', by: 'op' });
    const [inc] = opened(r);
    expect(r.svc.timeline(inc!.id)[0]!.note).toContain(`inhibited by incident ${big.id} from 2026-11-28T08:00:00Z to 2026-11-28T08:01:00Z`);
  });

  it('keeps no event raise, and releases the rule of a key evicted from a full ledger', () => {
    r = rig(undefined, 1);
    silence(r.silences, { category: 'flood' });
    r.svc.onDetection(detection({ ruleKind: 'event', dedupKey: 'smoke:cam-1' }));
    expect(r.ledger.size).toBe(0);
    r.svc.onDetection(detection({ dedupKey: 'k1' }));
    r.svc.onDetection(detection({ dedupKey: 'k2' }));
    expect(r.released).toEqual(['k1']);
    expect(r.store.mutedKeys.load().map((m) => m.key)).toEqual(['k2']);
  });

  it('survives a restart: the kept raise is read back and opens when its silence ends', async () => {
    const tmp = tempDir();
    try {
      const clock = { now: T0 };
      const before = rig(openSqliteStore({ dataDir: tmp.dir }), undefined, clock);
      const s = silence(before.silences, { device: 'sensor-001' });
      before.svc.onDetection(detection());
      before.ledger.close();
      await before.store.close();
      r = rig(openSqliteStore({ dataDir: tmp.dir }), undefined, clock);
      expect(r.ledger.size).toBe(1);
      clock.now = s.endsAt + MIN;
      r.ledger.sweep();
      expect(opened(r)).toHaveLength(1);
    } finally {
      r?.ledger.close();
      await r?.store.close();
      r = undefined;
      tmp.remove();
    }
  });

  it('a sweep whose hand-back fails in the store keeps the raise for the next one', async () => {
    const tmp = tempDir();
    const other = () => new Database(join(tmp.dir, DB_FILE_NAME));
    try {
      r = rig(openSqliteStore({ dataDir: tmp.dir }));
      const s = silence(r.silences, { device: 'sensor-001' });
      r.svc.onDetection(detection());
      r.clock.now = s.endsAt;
      // A real SQLite failure of the incident insert, set through another connection.
      const db = other();
      db.exec("CREATE TRIGGER refuse BEFORE INSERT ON incidents BEGIN SELECT RAISE(ABORT, 'refused'); END");
      expect(r.ledger.sweep()).toBe(0);
      expect(r.ledger.size).toBe(1);
      expect(r.store.mutedKeys.load()).toHaveLength(1);
      db.exec('DROP TRIGGER refuse');
      db.close();
      expect(r.ledger.sweep()).toBe(1);
      expect(opened(r)).toHaveLength(1);
    } finally {
      r?.ledger.close();
      await r?.store.close();
      r = undefined;
      tmp.remove();
    }
  });
});
