import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Incident } from '../../../model/incident.js';
import { openSqliteStore, type IncidentQuery, type SqliteStore } from '../../../store/index.js';
import { T0, captureLogger, makeEvent, makeIncident } from './fixtures.js';

const INCIDENTS: Incident[] = [
  makeIncident({ id: 'i1', state: 'warning', severity: 'red', category: 'flood', grid: 'g1', district: 'd1', createdAt: T0 + 1 }),
  makeIncident({ id: 'i2', state: 'dispatched', severity: 'orange', category: 'fire', grid: 'g2', district: 'd1', createdAt: T0 + 2 }),
  makeIncident({ id: 'i3', state: 'closed', severity: 'yellow', category: 'flood', grid: 'g1', district: 'd2', createdAt: T0 + 3 }),
  makeIncident({ id: 'i4', state: 'false_alarm', severity: 'blue', category: 'crowd', grid: 'g3', district: 'd2', createdAt: T0 + 4 }),
  makeIncident({ id: 'i5', state: 'warning', severity: 'orange', category: 'flood', grid: 'g2', district: 'd1', createdAt: T0 + 5 }),
  makeIncident({ id: 'i6', state: 'reviewed', severity: 'red', category: 'fire', district: undefined, grid: undefined, createdAt: T0 + 6 }),
];

describe('SQLite listIncidents', () => {
  let store: SqliteStore;
  beforeAll(() => {
    store = openSqliteStore({ path: ':memory:', logger: captureLogger().logger });
    for (const i of INCIDENTS) store.incidents.insertIncident(i, makeEvent(i.id));
  });
  afterAll(() => store.close());

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
    expect(store.incidents.listIncidents(query).map((i) => i.id)).toEqual(ids);
  });

  it('returns whole incidents as stored', () => {
    expect(store.incidents.listIncidents({ grid: 'g3' })).toEqual([INCIDENTS[3]]);
  });
});

describe('SQLite listIncidents visibleTo (department and office scope)', () => {
  const esc = (notified: string[]) => ({ deadline: 'arrive', level: notified.length - 1, notified, lastAt: T0, reminders: 0 });
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
  ];
  let store: SqliteStore;
  beforeAll(() => {
    store = openSqliteStore({ path: ':memory:', logger: captureLogger().logger });
    for (const i of SCOPED) store.incidents.insertIncident(i, makeEvent(i.id));
  });
  afterAll(() => store.close());

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
  ])('%s', (_name, visibleTo, ids) => {
    expect(store.incidents.listIncidents({ visibleTo }).map((i) => i.id)).toEqual(ids);
  });
});

describe('listIncidents limit bounds', () => {
  it('defaults to 100 and caps at 1000', async () => {
    const store = openSqliteStore({ path: ':memory:', logger: captureLogger().logger });
    for (let n = 0; n < 1005; n++) {
      const i = makeIncident({ id: `i${n}`, createdAt: T0 + n });
      store.incidents.insertIncident(i, makeEvent(i.id));
    }
    expect(store.incidents.listIncidents({})).toHaveLength(100);
    expect(store.incidents.listIncidents({ limit: 5000 })).toHaveLength(1000);
    expect(store.incidents.listIncidents({ limit: 0 })).toHaveLength(1);
    expect(store.incidents.listIncidents({ limit: 3 })[0]?.id).toBe('i1004');
    await store.close();
  });
});
