// Escalation of missed deadlines (吹哨报到 → 督办) on a controlled clock, real in-memory SQLite.
import { afterEach, describe, expect, it } from 'vitest';
import { deadlinePending } from '../../../alerts/escalation.js';
import type { IncidentEvent } from '../../../model/incident.js';
import { type Harness, T0, detection, harness } from './management-helpers.js';

const MIN = 60_000;
const steps = (events: IncidentEvent[]) =>
  events
    .filter((e) => ['overdue', 'escalation', 'reminder'].includes(e.type))
    .map((e) => `${e.type}:${String(e.data?.deadline)}:${[(e.data?.to as string[] | undefined) ?? e.data?.department].flat().join('+')}`);

describe('escalation', () => {
  let h: Harness;
  afterEach(() => h?.close());

  it('overdue, then up the chain to the coordination office, then reminders until acted on', () => {
    h = harness({ escalation: { interval: '10m', maxReminders: 5 } });
    const inc = h.svc.onDetection(detection({ severity: 'red' }))!; // acknowledge within 5m
    h.clock.now += 5 * MIN + 1;
    expect(h.svc.checkDeadlines()).toBe(1); // overdue only: the department hears first
    h.clock.now += 9 * MIN;
    expect(h.svc.checkDeadlines()).toBe(0); // not yet an interval after the overdue
    h.clock.now += MIN;
    expect(h.svc.checkDeadlines()).toBe(1); // escalation to the office
    h.clock.now += 10 * MIN;
    expect(h.svc.checkDeadlines()).toBe(1); // reminder 1
    expect(steps(h.svc.timeline(inc.id))).toEqual([
      'overdue:acknowledge:water-affairs',
      'escalation:acknowledge:city-operations-center',
      'reminder:acknowledge:water-affairs+city-operations-center',
    ]);
    // Everything is on the stream too.
    const types = h.published.filter((m) => m.type === 'incident').map((m) => (m.event as IncidentEvent).type);
    expect(types.slice(-3)).toEqual(['overdue', 'escalation', 'reminder']);

    // Acted on: the acknowledge deadline stops reminding. Arrive (30m) is missed meanwhile and
    // climbs its own chain.
    h.svc.act(inc.id, { action: 'acknowledge', by: 'op' });
    h.clock.now += 10 * MIN; // t = 35m
    expect(h.svc.checkDeadlines()).toBe(1);
    h.clock.now += 10 * MIN;
    expect(h.svc.checkDeadlines()).toBe(1);
    expect(steps(h.svc.timeline(inc.id)).slice(3)).toEqual(['overdue:arrive:water-affairs', 'escalation:arrive:city-operations-center']);
    // The operator's dispatch does not meet the arrive deadline: the reminders go on…
    h.svc.act(inc.id, { action: 'dispatch', by: 'op' });
    h.clock.now += 10 * MIN;
    expect(h.svc.checkDeadlines()).toBe(1);
    expect(steps(h.svc.timeline(inc.id)).at(-1)).toBe('reminder:arrive:water-affairs+city-operations-center');
    // …until the department itself reports on site (报到).
    h.svc.act(inc.id, { action: 'arrive', by: 'crew' });
    h.clock.now += 60 * MIN;
    expect(h.svc.checkDeadlines()).toBe(0); // on site, resolve not due until 4h
    expect(h.svc.get(inc.id)?.escalation).toMatchObject({ level: 1, notified: ['water-affairs', 'city-operations-center'] });
    // Each step names everyone told so far.
    const last = h.svc
      .timeline(inc.id)
      .filter((e) => e.type === 'reminder')
      .at(-1);
    expect(last?.data).toMatchObject({
      to: ['water-affairs', 'city-operations-center'],
      notified: ['water-affairs', 'city-operations-center'],
    });
  });

  it("bounds reminders, and a route's escalateTo sits between department and office", () => {
    h = harness({
      routes: [{ category: 'flood', department: 'water-affairs', escalateTo: ['huangpu-district-office'] }],
      escalation: { interval: '1m', maxReminders: 2, office: 'city-command' },
    });
    const inc = h.svc.onDetection(detection({ severity: 'red' }))!;
    h.clock.now += 5 * MIN + 1;
    let total = 0;
    for (let i = 0; i < 10; i++) {
      total += h.svc.checkDeadlines();
      h.clock.now += MIN;
    }
    expect(steps(h.svc.timeline(inc.id))).toEqual([
      'overdue:acknowledge:water-affairs',
      'escalation:acknowledge:huangpu-district-office',
      'escalation:acknowledge:city-command',
      'reminder:acknowledge:water-affairs+huangpu-district-office+city-command',
      'reminder:acknowledge:water-affairs+huangpu-district-office+city-command',
    ]);
    expect(total).toBe(5);
  });

  it('a case routed to the office itself gets reminders only; a reopen starts afresh', () => {
    h = harness({ escalation: { interval: '5m', maxReminders: 1 } });
    const inc = h.svc.report({ category: 'noise', title: '夜间施工', severity: 'red', grid: 'G-1-1', source: 'hotline_12345', by: 'op' });
    h.clock.now += 5 * MIN + 1;
    h.svc.checkDeadlines();
    h.clock.now += 5 * MIN;
    h.svc.checkDeadlines();
    expect(steps(h.svc.timeline(inc.id))).toEqual([
      'overdue:acknowledge:city-operations-center',
      'reminder:acknowledge:city-operations-center',
    ]);
    for (const action of ['acknowledge', 'dispatch', 'feedback'] as const) h.svc.act(inc.id, { action, by: 'crew' });
    h.svc.act(inc.id, { action: 'close', by: 'inspector' });
    const reopened = h.svc.act(inc.id, { action: 'reopen', by: 'inspector' });
    expect(reopened.ok && reopened.incident.escalation).toBeUndefined();
  });

  it('a chain running for one missed deadline follows the next one still missed', () => {
    h = harness({ escalation: { interval: '10m', maxReminders: 3 } });
    const inc = h.svc.onDetection(detection({ severity: 'red' }))!;
    for (const at of [5, 15, 30]) {
      h.clock.now = inc.createdAt + at * MIN + 1;
      h.svc.checkDeadlines(); // overdue ack; escalation; overdue arrive + a reminder of the running ack chain
    }
    h.svc.act(inc.id, { action: 'acknowledge', by: 'op' });
    h.clock.now += 10 * MIN;
    h.svc.checkDeadlines();
    expect(steps(h.svc.timeline(inc.id))).toEqual([
      'overdue:acknowledge:water-affairs',
      'escalation:acknowledge:city-operations-center',
      'overdue:arrive:water-affairs',
      'reminder:acknowledge:water-affairs+city-operations-center',
      'reminder:arrive:water-affairs+city-operations-center',
    ]);
  });

  it('knows which deadline waits in which state', () => {
    const states = ['warning', 'acknowledged', 'dispatched', 'resolved'] as const;
    expect(states.map((state) => deadlinePending('acknowledge', { state }))).toEqual([true, false, false, false]);
    // Arrive waits through dispatch: only the department's arrival meets it.
    expect(states.map((state) => deadlinePending('arrive', { state }))).toEqual([true, true, true, false]);
    expect(states.map((state) => deadlinePending('arrive', { state, arrivedAt: T0 }))).toEqual([false, false, false, false]);
    expect(states.map((state) => deadlinePending('resolve', { state }))).toEqual([true, true, true, false]);
  });
});
