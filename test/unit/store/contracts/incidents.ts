// The IncidentStore contract (store/types.ts), for every store: incidents and their append-only
// event log, written atomically, found by id, open dedup key and filters.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Incident } from '../../../../model/incident.js';
import { StoreError, type CaseStore, type IncidentQuery } from '../../../../store/index.js';
import { T0, makeEvent, makeIncident } from '../fixtures.js';
import type { StoreBackend } from './backend.js';

/** The IncidentStore tests, against `backend`. */
export function incidentStoreContract<S extends CaseStore>(backend: StoreBackend<S>): void {
  describe(`${backend.name} incidents`, () => {
    afterAll(() => backend.dispose());
    incidentsContract(backend);
    listIncidentsContract(backend);
  });
}

function incidentsContract<S extends CaseStore>(backend: StoreBackend<S>): void {
  describe('IncidentStore', () => {
    let store: S;
    beforeEach(async () => {
      store = await backend.fresh();
    });
    afterEach(() => backend.release(store));

    it('inserts an incident with its first event and returns the event with its log id', () => {
      const inc = makeIncident();
      const stored = store.incidents.insertIncident(inc, makeEvent(inc.id));
      expect(stored.id).toBeGreaterThan(0);
      expect(stored).toMatchObject({ incidentId: inc.id, type: 'opened', to: 'warning' });
      expect(store.incidents.getIncident(inc.id)).toEqual(inc);
      expect(store.incidents.events(inc.id)).toEqual([stored]);
      expect(store.incidents.getIncident('nope')).toBeUndefined();
    });

    it('keeps the timeline in append order, with increasing ids, across incidents', () => {
      const a = makeIncident({ id: 'a' });
      const b = makeIncident({ id: 'b', dedupKey: 'other' });
      const e1 = store.incidents.insertIncident(a, makeEvent('a'));
      const e2 = store.incidents.insertIncident(b, makeEvent('b'));
      const acked = { ...a, state: 'acknowledged' as const, acknowledgedAt: T0 + 10, updatedAt: T0 + 10 };
      const e3 = store.incidents.updateIncident(
        acked,
        makeEvent('a', { type: 'acknowledged', ts: T0 + 10, from: 'warning', to: 'acknowledged', actor: 'op-1' }),
      );
      // An event with an earlier ts still lands after: the log is ordered by append, not by ts.
      const e4 = store.incidents.updateIncident(acked, makeEvent('a', { type: 'detection', ts: T0 + 5 }));
      expect([e1.id, e2.id, e3.id, e4.id]).toEqual([...[e1.id, e2.id, e3.id, e4.id]].sort((x, y) => x - y));
      expect(new Set([e1.id, e2.id, e3.id, e4.id]).size).toBe(4);
      expect(store.incidents.events('a').map((e) => [e.id, e.type])).toEqual([
        [e1.id, 'opened'],
        [e3.id, 'acknowledged'],
        [e4.id, 'detection'],
      ]);
      expect(store.incidents.getIncident('a')).toEqual(acked);
    });

    it('refuses a duplicate insert and an update of an unknown incident, writing nothing', () => {
      const inc = makeIncident();
      store.incidents.insertIncident(inc, makeEvent(inc.id));
      expect(() => store.incidents.insertIncident({ ...inc, title: 'x' }, makeEvent(inc.id))).toThrow(
        expect.objectContaining({ code: 'duplicate' }),
      );
      const ghost = makeIncident({ id: 'ghost', dedupKey: 'ghost' });
      expect(() => store.incidents.updateIncident(ghost, makeEvent('ghost'))).toThrow(StoreError);
      expect(store.incidents.events(inc.id)).toHaveLength(1);
      expect(store.incidents.events('ghost')).toEqual([]);
      expect(store.incidents.getIncident(inc.id)?.title).toBe(inc.title);
    });

    it('refuses an event that belongs to another incident', () => {
      expect(() => store.incidents.insertIncident(makeIncident({ id: 'a' }), makeEvent('b'))).toThrow(
        expect.objectContaining({ code: 'invalid' }),
      );
      expect(store.incidents.getIncident('a')).toBeUndefined();
    });

    it('writes incident and event atomically: a failing event insert leaves the incident unchanged', async () => {
      const inc = makeIncident();
      store.incidents.insertIncident(inc, makeEvent(inc.id));
      // A second, real connection makes every event insert fail.
      const undo = await backend.failEventInserts('disk says no');
      try {
        const updated = { ...inc, state: 'acknowledged' as const, updatedAt: T0 + 1 };
        expect(() => store.incidents.updateIncident(updated, makeEvent(inc.id, { type: 'acknowledged' }))).toThrow(/disk says no/);
        expect(store.incidents.getIncident(inc.id)).toEqual(inc);
        const fresh = makeIncident({ id: 'fresh', dedupKey: 'k2' });
        expect(() => store.incidents.insertIncident(fresh, makeEvent('fresh'))).toThrow(/disk says no/);
        expect(store.incidents.getIncident('fresh')).toBeUndefined();
        expect(store.incidents.events(inc.id)).toHaveLength(1);
      } finally {
        await undo();
      }
      // With the fault gone the same write goes through.
      const later = store.incidents.insertIncident(makeIncident({ id: 'fresh', dedupKey: 'k2' }), makeEvent('fresh'));
      expect(later.id).toBeGreaterThan(0);
    });

    it('finds an incident by dedup key only while it is open', () => {
      const inc = makeIncident({ dedupKey: 'rule|dev' });
      store.incidents.insertIncident(inc, makeEvent(inc.id));
      const open = ['warning', 'acknowledged', 'dispatched', 'resolved'] as const;
      for (const state of open) {
        store.incidents.updateIncident({ ...inc, state }, makeEvent(inc.id, { type: 'detection' }));
        expect(store.incidents.findOpenByDedupKey('rule|dev')?.state, state).toBe(state);
      }
      for (const state of ['closed', 'reviewed', 'false_alarm'] as const) {
        store.incidents.updateIncident({ ...inc, state }, makeEvent(inc.id, { type: 'closed' }));
        expect(store.incidents.findOpenByDedupKey('rule|dev'), state).toBeUndefined();
      }
      expect(store.incidents.findOpenByDedupKey('other')).toBeUndefined();
      // A new incident for the same key is the one found once the old one is closed.
      const next = makeIncident({ id: 'inc-2', dedupKey: 'rule|dev', createdAt: T0 + 100 });
      store.incidents.insertIncident(next, makeEvent(next.id));
      expect(store.incidents.findOpenByDedupKey('rule|dev')?.id).toBe('inc-2');
    });

    it('lets a reopened case (返工) be open beside a newer one of its key, and finds the newer', () => {
      const old = makeIncident({ id: 'old', dedupKey: 'rule|dev', state: 'closed' });
      store.incidents.insertIncident(old, makeEvent('old'));
      const next = makeIncident({ id: 'next', dedupKey: 'rule|dev', createdAt: T0 + 100 });
      store.incidents.insertIncident(next, makeEvent('next'));
      store.incidents.updateIncident({ ...old, state: 'dispatched', reopened: 1 }, makeEvent('old', { type: 'reopened' }));
      expect(store.incidents.listOpen().map((i) => i.id)).toEqual(['old', 'next']);
      expect(store.incidents.findOpenByDedupKey('rule|dev')?.id).toBe('next');
    });

    it('keeps every filter right whether an update changes only the body or also indexed columns', () => {
      const inc = makeIncident({ id: 'a', grid: 'g1', district: 'd1', severity: 'yellow' });
      store.incidents.insertIncident(inc, makeEvent(inc.id));
      const ids = (q: IncidentQuery) => store.incidents.listIncidents(q).map((i) => i.id);
      // Body only (another detection attached): the indexed columns keep their values.
      store.incidents.updateIncident({ ...inc, detections: 2, updatedAt: T0 + 1 }, makeEvent(inc.id, { type: 'detection' }));
      expect(store.incidents.getIncident('a')).toMatchObject({ detections: 2, updatedAt: T0 + 1 });
      // Indexed columns change: each filter finds the incident under its new values only.
      const moved: Incident = {
        ...inc,
        detections: 2,
        severity: 'red' as const,
        grid: 'g2',
        district: undefined,
        state: 'acknowledged' as const,
        updatedAt: T0 + 2,
      };
      store.incidents.updateIncident(moved, makeEvent(inc.id, { type: 'acknowledged' }));
      expect(store.incidents.getIncident('a')).toEqual(moved);
      expect(ids({ grid: 'g2' })).toEqual(['a']);
      expect(ids({ grid: 'g1' })).toEqual([]);
      expect(ids({ district: 'd1' })).toEqual([]);
      expect(ids({ severity: ['red'], state: ['acknowledged'] })).toEqual(['a']);
      expect(ids({ state: ['warning'] })).toEqual([]);
    });

    it('lists open incidents oldest first for restoring timers', () => {
      store.incidents.insertIncident(makeIncident({ id: 'b', dedupKey: 'kb', createdAt: T0 + 2 }), makeEvent('b'));
      store.incidents.insertIncident(makeIncident({ id: 'a', dedupKey: 'ka', createdAt: T0 + 1 }), makeEvent('a'));
      store.incidents.insertIncident(makeIncident({ id: 'c', dedupKey: 'kc', state: 'closed' }), makeEvent('c'));
      expect(store.incidents.listOpen().map((i) => i.id)).toEqual(['a', 'b']);
    });

    it('survives close and reopen', async () => {
      const inc = makeIncident();
      const ev = store.incidents.insertIncident(inc, makeEvent(inc.id));
      store = await backend.reopen(store);
      expect(store.incidents.getIncident(inc.id)).toEqual(inc);
      expect(store.incidents.events(inc.id)).toEqual([ev]);
      const ev2 = store.incidents.updateIncident(inc, makeEvent(inc.id, { type: 'detection' }));
      expect(ev2.id).toBeGreaterThan(ev.id);
    });
  });
}

const INCIDENTS: Incident[] = [
  makeIncident({ id: 'i1', state: 'warning', severity: 'red', category: 'flood', grid: 'g1', district: 'd1', createdAt: T0 + 1 }),
  makeIncident({ id: 'i2', state: 'dispatched', severity: 'orange', category: 'fire', grid: 'g2', district: 'd1', createdAt: T0 + 2 }),
  makeIncident({ id: 'i3', state: 'closed', severity: 'yellow', category: 'flood', grid: 'g1', district: 'd2', createdAt: T0 + 3 }),
  makeIncident({ id: 'i4', state: 'false_alarm', severity: 'blue', category: 'crowd', grid: 'g3', district: 'd2', createdAt: T0 + 4 }),
  makeIncident({ id: 'i5', state: 'warning', severity: 'orange', category: 'flood', grid: 'g2', district: 'd1', createdAt: T0 + 5 }),
  makeIncident({ id: 'i6', state: 'reviewed', severity: 'red', category: 'fire', district: undefined, grid: undefined, createdAt: T0 + 6 }),
].map((i) => ({ ...i, dedupKey: `k-${i.id}` }));

const esc = (notified: string[]) => ({ deadline: 'arrive' as const, level: notified.length - 1, notified, lastAt: T0, reminders: 0 });
const SCOPED: Incident[] = [
  makeIncident({ id: 'on-time', department: 'water', createdAt: T0 + 1 }),
  makeIncident({ id: 'overdue', department: 'water', overdue: ['arrive'], escalation: esc(['water']), createdAt: T0 + 2 }),
  makeIncident({
    id: 'escalated',
    department: 'fire',
    overdue: ['arrive'],
    escalation: esc(['fire', 'district-office', 'office']),
    createdAt: T0 + 3,
  }),
  makeIncident({ id: 'handed-on', department: 'drainage', supervisedBy: ['office', 'district-office'], createdAt: T0 + 4 }),
  makeIncident({ id: 'office-own', department: 'office', createdAt: T0 + 5 }),
].map((i) => ({ ...i, dedupKey: `k-${i.id}` }));

/** listIncidents: every filter, the department and office scopes, and the limit bounds. */
function listIncidentsContract<S extends CaseStore>(backend: StoreBackend<S>): void {
  const seeded = (incidents: readonly Incident[]) => {
    let store: S;
    beforeAll(async () => {
      store = await backend.fresh();
      for (const i of incidents) store.incidents.insertIncident(i, makeEvent(i.id));
    });
    afterAll(() => backend.release(store));
    return () => store;
  };

  describe('listIncidents', () => {
    const store = seeded(INCIDENTS);
    const cases: Array<[string, IncidentQuery, string[]]> = [
      ['no filter: all, newest first', {}, ['i6', 'i5', 'i4', 'i3', 'i2', 'i1']],
      ['one state', { state: ['warning'] }, ['i5', 'i1']],
      ['several states', { state: ['closed', 'reviewed'] }, ['i6', 'i3']],
      ['empty state list means no filter', { state: [] }, ['i6', 'i5', 'i4', 'i3', 'i2', 'i1']],
      ['severities', { severity: ['red', 'blue'] }, ['i6', 'i4', 'i1']],
      ['category', { category: 'flood' }, ['i5', 'i3', 'i1']],
      ['grid', { grid: 'g2' }, ['i5', 'i2']],
      ['district', { district: 'd2' }, ['i4', 'i3']],
      ['since is inclusive', { since: T0 + 4 }, ['i6', 'i5', 'i4']],
      ['filters combine', { state: ['warning', 'closed'], category: 'flood', district: 'd1' }, ['i5', 'i1']],
      ['limit', { limit: 2 }, ['i6', 'i5']],
      ['nothing matches', { category: 'earthquake' }, []],
    ];
    it.each(cases)('%s', (_name, query, ids) => {
      expect(
        store()
          .incidents.listIncidents(query)
          .map((i) => i.id),
      ).toEqual(ids);
    });

    it('returns whole incidents as stored', () => {
      expect(store().incidents.listIncidents({ grid: 'g3' })).toEqual([INCIDENTS[3]]);
    });
  });

  describe('listIncidents visibleTo (department and office scope)', () => {
    const store = seeded(SCOPED);
    it.each<[string, IncidentQuery['visibleTo'], string[]]>([
      ['a department: its own cases only', { department: 'water', office: false }, ['overdue', 'on-time']],
      [
        'a district office: what escalation told it or it supervises',
        { department: 'district-office', office: false },
        ['handed-on', 'escalated'],
      ],
      [
        'the office: its own, every overdue or escalated case, and those it supervises',
        { department: 'office', office: true },
        ['office-own', 'handed-on', 'escalated', 'overdue'],
      ],
      ['the department a case was handed to sees it', { department: 'drainage', office: false }, ['handed-on']],
      ['a department filter: routed there only', undefined, ['overdue', 'on-time']],
    ])('%s', (name, visibleTo, ids) => {
      const query: IncidentQuery = visibleTo ? { visibleTo } : { department: 'water' };
      expect(
        store()
          .incidents.listIncidents(query)
          .map((i) => i.id),
        name,
      ).toEqual(ids);
    });
  });

  describe('listIncidents limit bounds', () => {
    const store = seeded(Array.from({ length: 1005 }, (_, n) => makeIncident({ id: `i${n}`, dedupKey: `k${n}`, createdAt: T0 + n })));
    it('defaults to 100 and caps at 1000', () => {
      expect(store().incidents.listIncidents({})).toHaveLength(100);
      expect(store().incidents.listIncidents({ limit: 5000 })).toHaveLength(1000);
      expect(store().incidents.listIncidents({ limit: 0 })).toHaveLength(1);
      expect(store().incidents.listIncidents({ limit: 3 })[0]?.id).toBe('i1004');
    });
  });
}
