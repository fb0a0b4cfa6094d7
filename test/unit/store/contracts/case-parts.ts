// The contracts of the smaller stores beside incidents (store/types.ts), for every store:
// silences, muted keys, follow-up links, evidence, rule versions, rule state and the case reader.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Evidence, FollowUpLink, MutedKey, Silence } from '../../../../model/index.js';
import type { CaseStore } from '../../../../store/index.js';
import { T0, makeDetection, makeEvent, makeIncident } from '../fixtures.js';
import type { StoreBackend } from './backend.js';

const silence = (id: string, over: Partial<Silence> = {}): Silence => ({
  id,
  matchers: { grid: 'g-101' },
  createdBy: 'op',
  comment: 'road works',
  startsAt: T0,
  endsAt: T0 + 3_600_000,
  createdAt: T0,
  ...over,
});

const muted = (key: string, from: number): MutedKey => ({
  key,
  detection: makeDetection({ dedupKey: key }),
  spans: [{ cause: { reason: 'silence', silenceId: 'SIL-1' }, from }],
});

const link = (tokenHash: string, incidentId: string, over: Partial<FollowUpLink> = {}): FollowUpLink => ({
  tokenHash,
  incidentId,
  createdAt: T0,
  expiresAt: T0 + 86_400_000,
  ...over,
});

const evidence = (incidentId: string, triggeredAt: number, over: Partial<Evidence> = {}): Evidence => ({
  incidentId,
  status: 'freezing',
  triggeredAt,
  window: { from: triggeredAt - 60_000, to: triggeredAt },
  devices: ['sensor-1'],
  readingCount: { total: 0, kept: 0, downsampled: false },
  readings: [],
  detections: [],
  rule: { id: 'water-high', version: 1, definition: { id: 'water-high' } },
  silences: [],
  inhibited: [],
  inhibitors: [],
  ...over,
});

/** The tests of every store part but incidents and the alert log, against `backend`. */
export function casePartsContract<S extends CaseStore>(backend: StoreBackend<S>): void {
  describe(`${backend.name} store parts`, () => {
    let store: S;
    beforeEach(async () => {
      store = await backend.fresh();
    });
    afterEach(() => backend.release(store));
    afterAll(() => backend.dispose());
    const openIncident = (id: string, createdAt = T0) =>
      store.incidents.insertIncident(makeIncident({ id, dedupKey: `k-${id}`, createdAt }), makeEvent(id));

    it('silences: put replaces by id, list is newest first, unended ones by creation, version moves on each put', () => {
      const v0 = store.silences.version();
      store.silences.put(silence('s1', { createdAt: T0 }));
      const v1 = store.silences.version();
      expect(v1).not.toBe(v0);
      store.silences.put(silence('s2', { createdAt: T0 + 1, endsAt: T0 + 10 }));
      store.silences.put(silence('s3', { createdAt: T0 + 2, startsAt: T0 + 100, endsAt: T0 + 200 }));
      expect(store.silences.list().map((s) => s.id)).toEqual(['s3', 's2', 's1']);
      expect(store.silences.unendedAt(T0 + 10).map((s) => s.id)).toEqual(['s1', 's3']);
      // Ended early: kept, with its endsAt moved.
      const v2 = store.silences.version();
      store.silences.put({ ...silence('s1'), endsAt: T0 + 5, expiredBy: 'op' });
      expect(store.silences.version()).not.toBe(v2);
      expect(store.silences.get('s1')).toEqual({ ...silence('s1'), endsAt: T0 + 5, expiredBy: 'op' });
      expect(store.silences.unendedAt(T0 + 10).map((s) => s.id)).toEqual(['s3']);
      expect(store.silences.get('nope')).toBeUndefined();
      expect(store.silences.version()).toBe(store.silences.version());
    });

    it('muted keys: put replaces by key, load is longest muted first, delete forgets', () => {
      store.mutedKeys.put(muted('b', T0 + 2));
      store.mutedKeys.put(muted('a', T0 + 1));
      store.mutedKeys.put(muted('c', T0 + 3));
      const later = { ...muted('b', T0 + 2), detection: makeDetection({ dedupKey: 'b', id: 'det-2' }) };
      store.mutedKeys.put(later);
      expect(store.mutedKeys.load().map((m) => m.key)).toEqual(['a', 'b', 'c']);
      expect(store.mutedKeys.load()[1]).toEqual(later);
      store.mutedKeys.delete('a');
      store.mutedKeys.delete('nope');
      expect(store.mutedKeys.load().map((m) => m.key)).toEqual(['b', 'c']);
    });

    it('follow-ups: found by hash, answered once, an incident’s open links superseded together', () => {
      openIncident('i1');
      openIncident('i2');
      store.followUps.insert(link('h1', 'i1'));
      store.followUps.insert(link('h2', 'i1'));
      store.followUps.insert(link('h3', 'i2'));
      expect(store.followUps.byHash('h1')).toEqual(link('h1', 'i1'));
      expect(store.followUps.byHash('nope')).toBeUndefined();
      expect(store.followUps.markAnswered('h1', T0 + 10)).toBe(true);
      expect(store.followUps.markAnswered('h1', T0 + 20)).toBe(false);
      expect(store.followUps.byHash('h1')).toEqual(link('h1', 'i1', { answeredAt: T0 + 10 }));
      expect(store.followUps.supersede('i1', T0 + 30)).toBe(1); // h2: h1 was answered
      expect(store.followUps.supersede('i1', T0 + 40)).toBe(0);
      expect(store.followUps.byHash('h2')).toEqual(link('h2', 'i1', { supersededAt: T0 + 30 }));
      expect(store.followUps.byHash('h3')?.supersededAt).toBeUndefined();
    });

    it('evidence: pending until frozen, stored only over the freezing row of the same close', () => {
      openIncident('i1');
      openIncident('i2');
      store.evidence.markFreezing(evidence('i1', T0 + 100), undefined, T0 + 200);
      store.evidence.markFreezing(evidence('i2', T0 + 50, { rule: null }), 'other-rule', T0 + 150);
      expect(store.evidence.pending()).toEqual([
        { incidentId: 'i2', dueAt: T0 + 150, triggeredAt: T0 + 50 },
        { incidentId: 'i1', dueAt: T0 + 200, triggeredAt: T0 + 100 },
      ]);
      // A freeze of an older close (a reopen and a second close came since) stores nothing.
      expect(store.evidence.putIfCurrent(evidence('i1', T0 + 99, { status: 'frozen' }))).toBe(false);
      expect(store.evidence.putIfCurrent(evidence('i3', T0 + 100, { status: 'frozen' }))).toBe(false);
      const frozen = evidence('i1', T0 + 100, { status: 'frozen', frozenAt: T0 + 201 });
      expect(store.evidence.putIfCurrent(frozen)).toBe(true);
      expect(store.evidence.get('i1')).toEqual(frozen);
      expect(store.evidence.get('nope')).toBeUndefined();
      expect(store.evidence.pending().map((p) => p.incidentId)).toEqual(['i2']);
      expect(store.evidence.frozenOfRule('water-high', T0)).toEqual([frozen]);
      expect(store.evidence.frozenOfRule('water-high', T0 + 101)).toEqual([]);
      expect(store.evidence.frozenOfRule('other-rule', 0)).toEqual([]);
    });

    it('rule versions: numbered per rule from 1, the one in force at a time, the latest of each, and the override', () => {
      const v = (ruleId: string, time: number, rule: unknown) => ({ ruleId, time, author: 'file', rule, diff: [] });
      const first = store.ruleVersions.append([v('a', T0, { n: 1 }), v('b', T0, { n: 1 }), v('a', T0 + 10, { n: 2 })]);
      expect(first.map((r) => [r.ruleId, r.version])).toEqual([
        ['a', 1],
        ['b', 1],
        ['a', 2],
      ]);
      const [third] = store.ruleVersions.append([{ ...v('a', T0 + 20, null), incidentId: 'INC-1', diff: [{ path: 'n', from: 2 }] }]);
      expect(third).toMatchObject({ ruleId: 'a', version: 3 });
      expect(store.ruleVersions.latest('a')).toEqual(third);
      expect(store.ruleVersions.latest('nope')).toBeUndefined();
      expect(store.ruleVersions.list('a').map((r) => r.version)).toEqual([1, 2, 3]);
      expect(store.ruleVersions.at('a', T0 + 15)?.rule).toEqual({ n: 2 });
      expect(store.ruleVersions.at('a', T0 - 1)).toBeUndefined();
      const latest = store.ruleVersions.latestOfEach().sort((x, y) => (x.ruleId < y.ruleId ? -1 : 1));
      expect(latest.map((r) => [r.ruleId, r.version])).toEqual([
        ['a', 3],
        ['b', 1],
      ]);
      expect(store.ruleVersions.override()).toBeUndefined();
      const o = { time: T0, author: 'op', fileHash: 'abc', rules: [{ id: 'a' }] };
      store.ruleVersions.setOverride(o);
      store.ruleVersions.setOverride({ ...o, author: 'op-2' });
      expect(store.ruleVersions.override()).toEqual({ ...o, author: 'op-2' });
      store.ruleVersions.clearOverride();
      expect(store.ruleVersions.override()).toBeUndefined();
    });

    it('rule state: slots replaced one by one, the newest save time, and retain drops the rules not kept', () => {
      expect(store.ruleState.load()).toEqual({ entries: [] });
      const e = (ruleHash: string, key: string, state: unknown, wakeAt?: number) => ({
        ruleId: `rule-${ruleHash}`,
        ruleVersion: 1,
        ruleHash,
        key,
        state,
        ...(wakeAt !== undefined ? { wakeAt } : {}),
      });
      store.ruleState.put([e('h1', 'k1', { n: 1 }), e('h1', 'k2', { n: 2 }, T0 + 0.5)], T0);
      store.ruleState.put([e('h2', 'k1', [1, 'x']), e('h1', 'k1', { n: 3 }), e('h1', 'k1', { n: 4 })], T0 + 10);
      const loaded = store.ruleState.load();
      expect(loaded.savedAt).toBe(T0 + 10);
      expect(loaded.entries).toEqual([e('h1', 'k1', { n: 4 }), e('h1', 'k2', { n: 2 }, T0 + 0.5), e('h2', 'k1', [1, 'x'])]);
      store.ruleState.retain(['h2']);
      expect(store.ruleState.load().entries).toEqual([e('h2', 'k1', [1, 'x'])]);
      store.ruleState.retain([]);
      expect(store.ruleState.load()).toEqual({ entries: [] });
    });

    it('cases: every incident created in [from, to), each with its timeline in order', () => {
      openIncident('a', T0);
      openIncident('b', T0 + 1000);
      openIncident('c', T0 + 2000);
      store.incidents.updateIncident(makeIncident({ id: 'b', dedupKey: 'k-b', state: 'acknowledged', createdAt: T0 + 1000 }), {
        ...makeEvent('b'),
        type: 'acknowledged',
      });
      const cases = store.cases.casesBetween(T0 + 1000, T0 + 2000);
      expect(cases.map((c) => c.incident.id)).toEqual(['b']);
      expect(cases[0]!.events.map((e) => e.type)).toEqual(['opened', 'acknowledged']);
      expect(store.cases.casesBetween(T0, T0 + 3000).map((c) => c.incident.id)).toEqual(['a', 'b', 'c']);
    });

    it('rolls back every part written in a transaction that throws', () => {
      openIncident('i1');
      expect(() =>
        store.writeTransaction(() => {
          store.silences.put(silence('s1'));
          store.mutedKeys.put(muted('k', T0));
          store.followUps.insert(link('h1', 'i1'));
          store.incidents.updateIncident(makeIncident({ id: 'i1', dedupKey: 'k-i1', state: 'acknowledged' }), makeEvent('i1'));
          throw new Error('handler failed');
        }),
      ).toThrow('handler failed');
      expect(store.silences.list()).toEqual([]);
      expect(store.mutedKeys.load()).toEqual([]);
      expect(store.followUps.byHash('h1')).toBeUndefined();
      expect(store.incidents.getIncident('i1')?.state).toBe('warning');
      expect(store.incidents.events('i1')).toHaveLength(1);
    });
  });
}
