import { describe, expect, it } from 'vitest';
import { IncidentState } from '../../../alerts/incident.js';
import { ACTIONS, type Action, transition } from '../../../alerts/state-machine.js';

// The whole table, written out by hand from DESIGN.md § Incidents: every (state, action) pair
// not listed here must be refused.
const ALLOWED: Array<[IncidentState, Action, IncidentState]> = [
  ['warning', 'acknowledge', 'acknowledged'],
  ['acknowledged', 'dispatch', 'dispatched'],
  ['dispatched', 'feedback', 'resolved'],
  ['resolved', 'close', 'closed'],
  ['closed', 'review', 'reviewed'],
  ['warning', 'false_alarm', 'false_alarm'],
  ['acknowledged', 'false_alarm', 'false_alarm'],
  ['closed', 'reopen', 'dispatched'],
];

describe('incident state machine', () => {
  it.each(ALLOWED)('%s --%s--> %s', (from, action, to) => {
    const r = transition(from, action);
    expect(r).toMatchObject({ ok: true, to });
  });

  const refused = IncidentState.options.flatMap((from) =>
    ACTIONS.filter((a) => !ALLOWED.some(([f, act]) => f === from && act === a)).map((a) => [from, a] as const),
  );

  it('refuses every other pair', () => {
    expect(refused.length).toBe(IncidentState.options.length * ACTIONS.length - ALLOWED.length);
  });

  it.each(refused)('refuses %s --%s-->', (from, action) => {
    const r = transition(from, action);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).toContain(from);
  });

  it('has no way out of reviewed or false_alarm except none', () => {
    for (const a of ACTIONS) {
      expect(transition('reviewed', a).ok).toBe(false);
      expect(transition('false_alarm', a).ok).toBe(false);
    }
  });
});
