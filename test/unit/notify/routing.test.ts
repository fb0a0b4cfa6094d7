// Route matching, quiet hours, rosters and the duty steps: the pure decisions of notify/.
import { describe, expect, it } from 'vitest';
import { NotifyConfig, type NotifyConfigInput } from '../../../notify/config.js';
import { nextDutyStep } from '../../../notify/duty-escalation.js';
import { notifyEventOf } from '../../../notify/events.js';
import { quietUntil } from '../../../notify/quiet-hours.js';
import { inShift, onDuty } from '../../../notify/roster.js';
import { routesFor } from '../../../notify/route-match.js';
import { incident } from './fixtures.js';

const config = (input: NotifyConfigInput) => NotifyConfig.parse(input);
const recv = (name: string) => ({ name, type: 'wecom' as const, url: 'https://qyapi.weixin.qq.com/x' });
const at = (iso: string) => Date.parse(iso);

describe('routesFor', () => {
  const c = config({
    receivers: [recv('a'), recv('b'), recv('c')],
    routes: [
      { match: { severity: 'red' }, receiver: 'a', continue: true },
      { match: { department: 'water-affairs', grid: ['g-12', 'g-13'] }, receiver: 'b', sendResolved: false },
      { match: {}, receiver: 'c' },
    ],
  });
  const names = (event: Parameters<typeof routesFor>[2], over = {}) =>
    routesFor(c.routes, incident(over), event).map((r) => r.route.receiver);

  it.each([
    ['red, water-affairs: a continues, b matches and stops', 'opened', {}, ['a', 'b']],
    ['orange, water-affairs: b only', 'opened', { severity: 'orange' }, ['b']],
    ['orange elsewhere: the catch-all', 'opened', { severity: 'orange', department: 'fire-rescue' }, ['c']],
    ['a grid outside the list falls through', 'opened', { severity: 'orange', grid: 'g-99' }, ['c']],
    ['sendResolved false: b matches, sends nothing, and still stops', 'resolved', { severity: 'orange' }, []],
    ['an event the route does not list: nothing (first match decides)', 'acknowledged', { severity: 'orange' }, []],
  ] as const)('%s', (_, event, over, want) => {
    expect(names(event, over)).toEqual(want);
  });

  it('maps the event log onto route events', () => {
    expect(['escalation', 'escalated', 'transferred', 'detection'].map(notifyEventOf)).toEqual([
      'escalated',
      'raised',
      'dispatched',
      undefined,
    ]);
  });
});

describe('quietUntil', () => {
  const q = { from: '23:00', to: '07:00' };
  it.each([
    ['23:30 local (UTC+8) is quiet until 07:00 local next day', '2026-12-04T15:30:00Z', '2026-12-04T23:00:00Z'],
    ['03:00 local is quiet until 07:00 the same day', '2026-12-04T19:00:00Z', '2026-12-04T23:00:00Z'],
    ['12:00 local is not quiet', '2026-12-04T04:00:00Z', undefined],
    ['07:00 local sharp is not quiet', '2026-12-04T23:00:00Z', undefined],
  ])('%s', (_, now, until) => {
    const got = quietUntil(at(now), q, 480);
    expect(got === undefined ? undefined : new Date(got).toISOString()).toBe(
      until === undefined ? undefined : new Date(until).toISOString(),
    );
  });
});

describe('rosters', () => {
  const c = config({
    receivers: [recv('r')],
    rosters: [
      {
        department: 'water-affairs',
        people: ['day', 'night', 'deputy', 'head'].map((name) => ({ name, receivers: ['r'] })),
        shifts: [
          { days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '08:00', to: '20:00', person: 'day' },
          { days: ['fri'], from: '20:00', to: '08:00', person: 'night' },
        ],
        deputy: 'deputy',
        head: 'head',
      },
    ],
  });
  const roster = c.rosters[0]!;
  // 2026-12-04 is a Friday; offset UTC+8.
  it.each([
    ['Friday 09:00 local: the day shift', '2026-12-04T01:00:00Z', 'day'],
    ['Friday 21:00 local: the night shift', '2026-12-04T13:00:00Z', 'night'],
    ['Saturday 03:00 local: still Friday night', '2026-12-04T19:00:00Z', 'night'],
    ['Saturday 09:00 local: nobody, the deputy stands in', '2026-12-05T01:00:00Z', 'deputy'],
  ])('%s', (_, now, who) => {
    expect(onDuty(roster, at(now), 480).person.name).toBe(who);
  });

  it('refuses a shift naming someone not among the people, naming the field', () => {
    const { escalation: _parsed, ...written } = roster;
    const r = NotifyConfig.safeParse({
      receivers: [recv('r')],
      rosters: [{ ...written, shifts: [{ from: '08:00', to: '09:00', person: 'ghost' }] }],
    });
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain('rosters.0.shifts.0.person');
  });

  it('a shift of equal ends runs round the clock', () => {
    expect(inShift({ days: ['mon'], from: '00:00', to: '00:00', person: 'x' }, at('2026-12-07T10:00:00Z'), 0)).toBe(true);
  });
});

describe('nextDutyStep', () => {
  const policy = { deputyAfter: 100, headAfter: 200, officeAfter: 300, remindEvery: 50, maxReminders: 2 };
  it('steps at each delay from the start, then reminds a bounded number of times', () => {
    let state = { since: 0, level: 0, reminders: 0, lastAt: 0 };
    const seen: string[] = [];
    for (let t = 0; t <= 1000; t += 10) {
      const next = nextDutyStep(state, policy, t);
      if (next) {
        seen.push(`${next.step}@${t}`);
        state = next.state;
      }
    }
    expect(seen).toEqual(['deputy@100', 'head@200', 'office@300', 'reminder@350', 'reminder@400']);
  });
});

describe('config refusals', () => {
  it.each([
    [{ receivers: [{ name: 'x', type: 'webhook', url: 'ftp://h/', secret: 's' }] }, 'receivers.0.url'],
    [{ receivers: [{ name: 'x', type: 'webhook', url: 'http://h/' }] }, 'receivers.0.secret'],
    [{ receivers: [{ name: 'x', type: 'sms', url: 'http://h/' }] }, 'receivers.0.type'],
    [{ receivers: [recv('a'), recv('a')] }, 'receivers.1.name'],
    [{ receivers: [recv('a')], routes: [{ receiver: 'b' }] }, 'routes.0.receiver'],
    [{ receivers: [recv('a')], routes: [{ receiver: 'a', events: ['exploded'] }] }, 'routes.0.events.0'],
    [{ receivers: [{ ...recv('a'), quietHours: { from: '25:00', to: '07:00' } }] }, 'receivers.0.quietHours.from'],
    [{ receivers: [recv('a')], routes: [{ receiver: 'a', groupInterval: 'soon' }] }, 'routes.0.groupInterval'],
  ])('%j is refused at %s', (input, path) => {
    const r = NotifyConfig.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });
});
