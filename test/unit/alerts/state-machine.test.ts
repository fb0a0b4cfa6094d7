import { describe, expect, it } from 'vitest';
import { IncidentState } from '../../../model/incident.js';
import { ACTIONS, type Action, transition } from '../../../alerts/state-machine.js';

// The whole table, written out by hand from DESIGN.md § Incidents: every (state, action) pair
// not listed here must be refused.
const ALLOWED: Array<[IncidentState, Action, IncidentState]> = [
  ['warning', 'acknowledge', 'acknowledged'],
  ['acknowledged', 'dispatch', 'dispatched'],
  ['dispatched', 'arrive', 'dispatched'], // 报到: on site, still handling
  ['dispatched', 'transfer', 'dispatched'], // to another department
  ['dispatched', 'feedback', 'resolved'],
  ['resolved', 'close', 'closed'],
  ['resolved', 'reject', 'dispatched'], // verification failed: 返工
  ['closed', 'review', 'reviewed'],
  ['warning', 'false_alarm', 'false_alarm'],
  ['acknowledged', 'false_alarm', 'false_alarm'],
  ['dispatched', 'false_alarm', 'false_alarm'], // found on site
  ['resolved', 'false_alarm', 'false_alarm'], // found by the verifier
  ['closed', 'reopen', 'dispatched'],
  ['false_alarm', 'review', 'false_alarm'], // DESIGN: a false alarm can be reviewed; it stays one (counted as such)
];

// Refusals the closed loop leans on, named so a table edit that allowed one shows up here too.
const MUST_REFUSE: Array<[IncidentState, Action]> = [
  ['acknowledged', 'arrive'], // nobody was sent yet
  ['resolved', 'arrive'],
  ['acknowledged', 'transfer'], // dispatch, not transfer, hands out a case the first time
  ['resolved', 'transfer'],
  ['dispatched', 'dispatch'], // a wrongly routed case is transferred, with a reason
  ['dispatched', 'reject'], // nothing to verify yet
  ['closed', 'reject'], // after a close it is a reopen
  ['closed', 'false_alarm'],
  ['reviewed', 'reject'],
];

describe('incident state machine', () => {
  it.each(ALLOWED)('%s --%s--> %s', (from, action, to) => {
    const r = transition(from, action);
    expect(r).toMatchObject({ ok: true, to });
  });

  const refused = IncidentState.options.flatMap((from) =>
    ACTIONS.filter((a) => !ALLOWED.some(([f, act]) => f === from && act === a)).map((a) => [from, a] as const),
  );

  it.each(MUST_REFUSE)('refuses %s --%s--> (named)', (from, action) => {
    expect(transition(from, action)).toMatchObject({ ok: false });
  });

  it('refuses every other pair', () => {
    expect(refused.length).toBe(IncidentState.options.length * ACTIONS.length - ALLOWED.length);
  });

  it.each(refused)('refuses %s --%s-->', (from, action) => {
    const r = transition(from, action);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(from);
  });

  it('has no way out of reviewed, and none out of false_alarm but its review', () => {
    for (const a of ACTIONS) {
      expect(transition('reviewed', a).ok).toBe(false);
      expect(transition('false_alarm', a).ok).toBe(a === 'review');
    }
  });
});
