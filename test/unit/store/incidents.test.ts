import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE_NAME, openSqliteStore, StoreError, type SqliteStore } from '../../../store/index.js';
import { T0, captureLogger, makeEvent, makeIncident, tempDir } from './fixtures.js';

describe('SQLite IncidentStore', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  beforeEach(() => {
    tmp = tempDir();
    store = openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger });
  });
  afterEach(async () => {
    await store.close();
    tmp.remove();
  });

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
    const ghost = makeIncident({ id: 'ghost' });
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

  it('writes incident and event atomically: a failing event insert leaves the incident unchanged', () => {
    const inc = makeIncident();
    store.incidents.insertIncident(inc, makeEvent(inc.id));
    // A second, real connection installs a trigger that makes every event insert fail.
    const other = new Database(path.join(tmp.dir, DB_FILE_NAME));
    other.exec("CREATE TRIGGER fail_events BEFORE INSERT ON incident_events BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
    try {
      const updated = { ...inc, state: 'acknowledged' as const, updatedAt: T0 + 1 };
      expect(() => store.incidents.updateIncident(updated, makeEvent(inc.id, { type: 'acknowledged' }))).toThrow(/disk says no/);
      expect(store.incidents.getIncident(inc.id)).toEqual(inc);
      const fresh = makeIncident({ id: 'fresh', dedupKey: 'k2' });
      expect(() => store.incidents.insertIncident(fresh, makeEvent('fresh'))).toThrow(/disk says no/);
      expect(store.incidents.getIncident('fresh')).toBeUndefined();
      expect(store.incidents.events(inc.id)).toHaveLength(1);
    } finally {
      other.exec('DROP TRIGGER fail_events');
      other.close();
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

  it('keeps every index right whether an update changes only the body or also indexed columns', async () => {
    const inc = makeIncident({ id: 'a', grid: 'g1', district: 'd1', severity: 'yellow' });
    store.incidents.insertIncident(inc, makeEvent(inc.id));
    const ids = (q: Parameters<SqliteStore['incidents']['listIncidents']>[0]) => store.incidents.listIncidents(q).map((i) => i.id);
    // Body only (another detection attached): the indexed columns keep their values.
    store.incidents.updateIncident({ ...inc, detections: 2, updatedAt: T0 + 1 }, makeEvent(inc.id, { type: 'detection' }));
    expect(store.incidents.getIncident('a')).toMatchObject({ detections: 2, updatedAt: T0 + 1 });
    // Indexed columns change: each index finds the incident under its new values only.
    const moved = {
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
    await store.close();
    const db = new Database(path.join(tmp.dir, DB_FILE_NAME), { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
    store = openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger });
  });

  it('lists open incidents oldest first for restoring timers', () => {
    store.incidents.insertIncident(makeIncident({ id: 'b', createdAt: T0 + 2 }), makeEvent('b'));
    store.incidents.insertIncident(makeIncident({ id: 'a', createdAt: T0 + 1 }), makeEvent('a'));
    store.incidents.insertIncident(makeIncident({ id: 'c', state: 'closed' }), makeEvent('c'));
    expect(store.incidents.listOpen().map((i) => i.id)).toEqual(['a', 'b']);
  });

  it('survives close and reopen', async () => {
    const inc = makeIncident();
    const ev = store.incidents.insertIncident(inc, makeEvent(inc.id));
    await store.close();
    store = openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger });
    expect(store.incidents.getIncident(inc.id)).toEqual(inc);
    expect(store.incidents.events(inc.id)).toEqual([ev]);
    const ev2 = store.incidents.updateIncident(inc, makeEvent(inc.id, { type: 'detection' }));
    expect(ev2.id).toBeGreaterThan(ev.id);
  });
});
