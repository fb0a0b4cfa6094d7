import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createIncidentService, type IncidentService } from '../../../alerts/incidents.js';
import { DEFAULT_ROUTING, RoutingTable, createRouter } from '../../../alerts/routing.js';
import { type SqliteStore, openSqliteStore } from '../../../store/index.js';
import type { LogMessage } from '../../../store/types.js';
// The same detection fixture as the alert-management tests: one shape of `water-high` output.
import { detection } from './management-helpers.js';

describe('incident service', () => {
  let store: SqliteStore;
  let now: number;
  let published: LogMessage[];
  let svc: IncidentService;

  beforeEach(() => {
    store = openSqliteStore({ path: ':memory:' });
    now = Date.UTC(2026, 10, 28, 8, 0, 0);
    published = [];
    svc = createIncidentService({
      store: store.incidents,
      // `drainage` takes cases only by dispatch: no route names it first.
      router: createRouter(RoutingTable.parse({ ...DEFAULT_ROUTING, departments: ['drainage'] })),
      publish: (m) => published.push(m),
      clock: () => now,
    });
  });
  afterEach(() => store.close());

  it('opens one incident per dedup key and attaches repeats', () => {
    const a = svc.onDetection(detection())!;
    const b = svc.onDetection(detection())!;
    expect(b.id).toBe(a.id);
    expect(svc.list({})).toHaveLength(1);
    expect(svc.get(a.id)).toMatchObject({ state: 'warning', detections: 2, department: 'water-affairs' });
    expect(svc.timeline(a.id).map((e) => e.type)).toEqual(['opened', 'detection']);
    // Each detection is an alert, each change an incident message.
    expect(published.map((m) => m.type)).toEqual(['alert', 'incident', 'alert', 'incident']);
  });

  it('raises severity on a higher level and tightens deadlines', () => {
    const a = svc.onDetection(detection())!;
    now += 1000;
    const b = svc.onDetection(detection({ severity: 'red' }))!;
    expect(b.severity).toBe('red');
    expect(b.deadlines!.acknowledgeBy).toBe(a.createdAt + 5 * 60_000);
    expect(svc.timeline(a.id).at(-1)).toMatchObject({ type: 'escalated' });
    // A lower level later never lowers it.
    expect(svc.onDetection(detection({ severity: 'blue' }))!.severity).toBe('red');
  });

  it('does not open an incident for a clear, and notes a clear on the open one', () => {
    expect(svc.onDetection(detection({ phase: 'clear' }))).toBeUndefined();
    expect(svc.list({})).toHaveLength(0);
    const a = svc.onDetection(detection())!;
    svc.onDetection(detection({ phase: 'clear' }));
    expect(svc.timeline(a.id).at(-1)?.type).toBe('cleared');
    expect(svc.get(a.id)!.state).toBe('warning');
  });

  it('opens a new incident once the old one is closed', () => {
    const a = svc.onDetection(detection())!;
    for (const [action, by] of [
      ['acknowledge', 'op'],
      ['dispatch', 'op'],
      ['feedback', 'crew'],
      ['close', 'op'],
    ] as const) {
      expect(svc.act(a.id, { action, by }).ok).toBe(true);
    }
    const b = svc.onDetection(detection())!;
    expect(b.id).not.toBe(a.id);
  });

  it('refuses a close by the responder, and an illegal transition, leaving the incident unchanged', () => {
    const a = svc.onDetection(detection())!;
    svc.act(a.id, { action: 'acknowledge', by: 'op' });
    svc.act(a.id, { action: 'dispatch', by: 'op' });
    svc.act(a.id, { action: 'feedback', by: 'crew' });
    const before = svc.get(a.id);
    expect(svc.act(a.id, { action: 'close', by: 'crew' })).toMatchObject({ ok: false, status: 409, code: 'same_actor' });
    expect(svc.act(a.id, { action: 'acknowledge', by: 'op' })).toMatchObject({ ok: false, status: 409 });
    expect(svc.get(a.id)).toEqual(before);
    expect(svc.act('INC-nope', { action: 'acknowledge', by: 'op' })).toMatchObject({ ok: false, status: 404 });
  });

  it('reopens a closed incident as rework with fresh deadlines', () => {
    const a = svc.onDetection(detection())!;
    svc.act(a.id, { action: 'acknowledge', by: 'op' });
    svc.act(a.id, { action: 'dispatch', by: 'op', department: 'drainage' });
    svc.act(a.id, { action: 'feedback', by: 'crew' });
    svc.act(a.id, { action: 'close', by: 'op' });
    now += 3_600_000;
    const r = svc.act(a.id, { action: 'reopen', by: 'op', note: 'water back' });
    expect(r.ok && r.incident).toMatchObject({ state: 'dispatched', reopened: 1, department: 'drainage' });
    if (r.ok) expect(r.incident.deadlines!.resolveBy).toBe(now + 24 * 3_600_000);
  });

  it('emits overdue once per missed deadline (吹哨报到)', () => {
    const a = svc.onDetection(detection({ severity: 'red' }))!;
    expect(svc.checkDeadlines()).toBe(0);
    now += 5 * 60_000 + 1;
    expect(svc.checkDeadlines()).toBe(1);
    expect(svc.checkDeadlines()).toBe(0);
    svc.act(a.id, { action: 'acknowledge', by: 'op' });
    now += 30 * 60_000;
    expect(svc.checkDeadlines()).toBe(1); // arrive: nobody on site in time
    svc.act(a.id, { action: 'dispatch', by: 'op' });
    svc.act(a.id, { action: 'arrive', by: 'crew' });
    now += 4 * 3_600_000;
    expect(svc.checkDeadlines()).toBe(1); // resolve
    const overdue = svc.timeline(a.id).filter((e) => e.type === 'overdue');
    expect(overdue.map((e) => e.data?.deadline)).toEqual(['acknowledge', 'arrive', 'resolve']);
    expect(svc.get(a.id)!.overdue).toEqual(['acknowledge', 'arrive', 'resolve']);
  });

  it('takes manual reports with routing and deadlines', () => {
    const inc = svc.report({
      category: 'gas',
      title: '闻到燃气味',
      severity: 'orange',
      grid: 'G-3-4',
      source: 'hotline_12345',
      by: 'hotline-operator-7',
    });
    expect(inc).toMatchObject({ source: 'hotline_12345', department: 'gas-utility', state: 'warning', grid: 'G-3-4' });
    expect(svc.timeline(inc.id)[0]).toMatchObject({ type: 'opened', actor: 'hotline-operator-7' });
  });
});

describe('incident service operations as units', () => {
  it('stores all of a detection, an action or nothing: a failure after the incident write rolls it back', () => {
    const store = openSqliteStore({ path: ':memory:' });
    let failOn: LogMessage['type'] | undefined;
    const svc = createIncidentService({
      store: store.incidents,
      // `drainage` takes cases only by dispatch: no route names it first.
      router: createRouter(RoutingTable.parse({ ...DEFAULT_ROUTING, departments: ['drainage'] })),
      // The incident message is published after the incident row is written.
      publish: (m) => {
        if (m.type === failOn) throw new Error('alert log full');
        return 1;
      },
      clock: () => Date.UTC(2026, 10, 28, 8, 0, 0),
      unit: (fn) => store.writeTransaction(fn),
    });
    try {
      failOn = 'incident';
      expect(() => svc.onDetection(detection())).toThrow(/alert log full/);
      expect(svc.list({})).toHaveLength(0);

      failOn = undefined;
      const a = svc.onDetection(detection())!;
      failOn = 'incident';
      expect(() => svc.act(a.id, { action: 'acknowledge', by: 'op-li' })).toThrow(/alert log full/);
      expect(svc.get(a.id)!.state).toBe('warning');
      expect(svc.timeline(a.id).map((e) => e.type)).toEqual(['opened']);
    } finally {
      void store.close();
    }
  });
});
