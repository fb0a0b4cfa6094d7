// Incident event types (alerts/incident.ts) onto the events routes ask for. A hand-over, a
// reopen and a failed verification all put the case in a department's hands again: `dispatched`.
// The severity raise (`escalated` in the event log) is `raised` here, because `escalated` names
// the 督办 step (`escalation` in the event log), as DESIGN's route example uses it.
import type { NotifyEvent } from './config.js';

const MAP: Record<string, NotifyEvent> = {
  opened: 'opened',
  acknowledged: 'acknowledged',
  dispatched: 'dispatched',
  transferred: 'dispatched',
  reopened: 'dispatched',
  rejected: 'dispatched',
  arrived: 'arrived',
  escalated: 'raised',
  overdue: 'overdue',
  escalation: 'escalated',
  reminder: 'reminder',
  resolved: 'resolved',
  closed: 'closed',
  false_alarm: 'false_alarm',
};

/** The notify event of an incident event type, or undefined for those never notified (detection, cleared, inhibited, reviewed). */
export const notifyEventOf = (type: string): NotifyEvent | undefined => MAP[type];

/** Events that end the case for a route with `sendResolved: false`. */
export const RESOLVING: ReadonlySet<NotifyEvent> = new Set(['resolved', 'closed', 'false_alarm']);
