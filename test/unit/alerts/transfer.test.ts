// Hand-overs, arrival and verification in the incident service on a controlled clock (real
// in-memory SQLite), and who may do them (scope and authority), table-driven.
import { afterEach, describe, expect, it } from 'vitest';
import { type Principal, scopeOf } from '../../../alerts/access.js';
import { refusalOf } from '../../../alerts/authority.js';
import type { Incident } from '../../../model/incident.js';
import { type Harness, detection, harness } from './management-helpers.js';

const MIN = 60_000;
const OFFICE = 'city-operations-center';
const ROUTES = {
  routes: [
    { category: 'flood', department: 'water-affairs' },
    // A huangpu flood goes to water-affairs; pudong-drainage works to its own, tighter limits.
    {
      category: 'flood',
      district: 'pudong',
      department: 'pudong-drainage',
      deadlines: { yellow: { acknowledge: '5m', arrive: '20m', resolve: '3h' } },
    },
  ],
  escalation: { interval: '10m', maxReminders: 2 },
};

describe('transfer, arrive and reject in the service', () => {
  let h: Harness;
  afterEach(() => h?.close());

  const dispatched = () => {
    const inc = h.svc.onDetection(detection())!; // yellow: arrive 2h, resolve 24h
    h.svc.act(inc.id, { action: 'acknowledge', by: 'op' });
    h.svc.act(inc.id, { action: 'dispatch', by: 'op' });
    return inc.id;
  };

  it("starts the new department's clock from its own route, and stops the old one's", () => {
    h = harness(ROUTES);
    const id = dispatched();
    h.clock.now += 2 * 60 * MIN + 1;
    h.svc.checkDeadlines(); // water-affairs missed arrive
    expect(h.svc.get(id)).toMatchObject({ overdue: ['arrive'], supervisedBy: [OFFICE] });
    const before = h.svc.get(id)!;

    const r = h.svc.act(id, { action: 'transfer', by: 'office-chen', department: 'pudong-drainage', note: 'across the river' });
    expect(r.ok).toBe(true);
    const moved = h.svc.get(id)!;
    expect(moved).toMatchObject({
      department: 'pudong-drainage',
      transfers: 1,
      overdue: [],
      dispatchedAt: h.clock.now,
      supervisedBy: [OFFICE],
    });
    expect(moved.escalation).toBeUndefined();
    expect(moved.deadlines).toEqual({
      acknowledgeBy: before.deadlines!.acknowledgeBy,
      arriveBy: h.clock.now + 20 * MIN,
      resolveBy: h.clock.now + 3 * 60 * MIN,
    });

    // The new department misses its own arrive: the overdue names it, not water-affairs.
    h.clock.now += 20 * MIN + 1;
    expect(h.svc.checkDeadlines()).toBe(1);
    expect(h.svc.timeline(id).at(-1)).toMatchObject({
      type: 'overdue',
      data: { deadline: 'arrive', department: 'pudong-drainage', notified: ['pudong-drainage'] },
    });
  });

  it('takes one arrive per dispatch; a transfer or a reject asks for a new one', () => {
    h = harness(ROUTES);
    const id = dispatched();
    expect(h.svc.act(id, { action: 'arrive', by: 'crew', loc: { lat: 31.2, lon: 121.4 } })).toMatchObject({ ok: true });
    expect(h.svc.act(id, { action: 'arrive', by: 'crew' })).toMatchObject({ ok: false, status: 409, code: 'already_arrived' });
    h.svc.act(id, { action: 'transfer', by: 'op', department: 'pudong-drainage', note: 'theirs' });
    expect(h.svc.get(id)!.arrivedAt).toBeUndefined();
    expect(h.svc.act(id, { action: 'arrive', by: 'crew-2' })).toMatchObject({ ok: true });
    h.svc.act(id, { action: 'feedback', by: 'crew-2' }, { principal: 'pudong-token', role: 'operator' });
    expect(
      h.svc.act(id, { action: 'reject', by: 'inspector', note: 'no' }, { principal: 'inspector-token', role: 'operator' }),
    ).toMatchObject({ ok: true });
    const back = h.svc.get(id)!;
    expect(back).toMatchObject({ state: 'dispatched', department: 'pudong-drainage', rejected: 1 });
    expect([back.arrivedAt, back.resolvedPrincipal, back.resolvedBy]).toEqual([undefined, undefined, undefined]);
    expect(h.svc.act(id, { action: 'arrive', by: 'crew-2' })).toMatchObject({ ok: true });
  });

  it("refuses a verification by the feedback's principal or its `by`, and an unknown or same department, leaving the incident as it was", () => {
    h = harness(ROUTES);
    const id = dispatched();
    const crew = { principal: 'water-token', role: 'operator' };
    h.svc.act(id, { action: 'feedback', by: 'crew-li' }, crew);
    const before = h.svc.get(id);
    const refusals: Array<[Parameters<Harness['svc']['act']>[1], Record<string, string> | undefined, string]> = [
      [{ action: 'close', by: 'someone-else' }, crew, 'same_actor'],
      [{ action: 'reject', by: 'someone-else', note: 'x' }, crew, 'same_actor'],
      [{ action: 'close', by: 'crew-li' }, { principal: 'inspector-token', role: 'operator' }, 'same_actor'],
      [{ action: 'close', by: 'crew-li' }, undefined, 'same_actor'],
      [{ action: 'transfer', by: 'op', department: 'pudong-drainage', note: 'x' }, undefined, 'invalid_transition'],
    ];
    for (const [body, audit, code] of refusals)
      expect(h.svc.act(id, body, audit), `${body.action} ${body.by}`).toMatchObject({ ok: false, code });
    expect(h.svc.get(id)).toEqual(before);
  });

  it('accepts only departments of the routing table', () => {
    h = harness({ ...ROUTES, departments: ['drainage-team-3'] });
    const inc = h.svc.onDetection(detection())!;
    h.svc.act(inc.id, { action: 'acknowledge', by: 'op' });
    expect(h.svc.act(inc.id, { action: 'dispatch', by: 'op', department: 'nowhere' })).toMatchObject({
      ok: false,
      status: 400,
      code: 'unknown_department',
      issues: [{ path: 'department' }],
    });
    expect(h.svc.act(inc.id, { action: 'dispatch', by: 'op', department: 'drainage-team-3' })).toMatchObject({ ok: true });
    expect(h.svc.act(inc.id, { action: 'transfer', by: 'op', department: 'drainage-team-3', note: 'x' })).toMatchObject({
      status: 400,
      code: 'same_department',
    });
    // The office is a department of the table even when no route names it.
    expect(h.svc.act(inc.id, { action: 'transfer', by: 'op', department: OFFICE, note: 'nobody else can' })).toMatchObject({ ok: true });
  });
});

describe('scope and authority', () => {
  const inc = (over: Partial<Incident> = {}): Incident =>
    ({ id: 'INC-1', state: 'dispatched', department: 'water-affairs', overdue: [], ...over }) as Incident;
  const who = (name: string, role: Principal['role'], department?: string): Principal => ({
    name,
    role,
    ...(department ? { department } : {}),
  });

  it.each<[string, Partial<Incident>, string[]]>([
    ['on time: its department only', {}, ['water-affairs']],
    ['overdue: the office too', { overdue: ['arrive'] }, ['water-affairs', OFFICE]],
    [
      'escalated via a district office',
      {
        overdue: ['arrive'],
        escalation: { deadline: 'arrive', level: 1, notified: ['water-affairs', 'huangpu-office'], lastAt: 0, reminders: 0 },
      },
      ['water-affairs', 'huangpu-office', OFFICE],
    ],
    [
      'transferred after a miss: the supervisors, not the old department',
      { department: 'drainage', supervisedBy: [OFFICE, 'huangpu-office'] },
      ['drainage', OFFICE, 'huangpu-office'],
    ],
  ])('scopeOf: %s', (_, over, want) => {
    expect(scopeOf(inc(over), OFFICE).sort()).toEqual(want.sort());
  });

  const overdue = inc({ overdue: ['arrive'] });
  it.each<[string, Principal, Incident, object, number | undefined]>([
    ['the department arrives', who('water', 'operator', 'water-affairs'), inc(), { action: 'arrive' }, undefined],
    ['an admin records an arrival', who('chief', 'admin'), inc(), { action: 'arrive' }, undefined],
    ['the dispatcher cannot arrive', who('duty', 'operator'), inc(), { action: 'arrive' }, 403],
    ['the office cannot arrive', who('office', 'operator', OFFICE), overdue, { action: 'arrive' }, 403],
    ['another department does not see it', who('fire', 'operator', 'fire-rescue'), inc(), { action: 'arrive' }, 404],
    [
      'the office does not see a case on time',
      who('office', 'operator', OFFICE),
      inc(),
      { action: 'transfer', department: 'fire-rescue' },
      404,
    ],
    [
      'the office transfers an overdue case anywhere',
      who('office', 'operator', OFFICE),
      overdue,
      { action: 'transfer', department: 'fire-rescue' },
      undefined,
    ],
    [
      'a department cannot push its case away',
      who('water', 'operator', 'water-affairs'),
      inc(),
      { action: 'transfer', department: 'fire-rescue' },
      403,
    ],
    ['an unscoped operator transfers', who('duty', 'operator'), inc(), { action: 'transfer', department: 'fire-rescue' }, undefined],
  ])('refusalOf: %s', (_, principal, incident, body, status) => {
    expect(refusalOf(principal, incident, { by: 'x', ...body } as never, OFFICE)?.status).toBe(status);
  });
});
