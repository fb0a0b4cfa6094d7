// The closed loop as a pure transition table (DESIGN.md § Incidents: the closed loop).
// Any transition not listed here is refused (HTTP 409) and leaves the incident unchanged.
import type { IncidentEventType, IncidentState } from '../model/incident.js';

export const ACTIONS = [
  'acknowledge',
  'dispatch',
  'arrive',
  'transfer',
  'feedback',
  'close',
  'reject',
  'reopen',
  'false_alarm',
  'review',
] as const;
export type Action = (typeof ACTIONS)[number];

interface Edge {
  from: readonly IncidentState[];
  to: IncidentState;
  event: IncidentEventType;
  /** From these states the action leaves the state as it is. */
  keep?: readonly IncidentState[];
}

/** warning → acknowledged → dispatched → resolved → closed → reviewed; arrive, transfer, reject, false_alarm, reopen. */
export const TRANSITIONS: Record<Action, Edge> = {
  acknowledge: { from: ['warning'], to: 'acknowledged', event: 'acknowledged' },
  dispatch: { from: ['acknowledged'], to: 'dispatched', event: 'dispatched' }, // 处置
  arrive: { from: ['dispatched'], to: 'dispatched', event: 'arrived' }, // 报到: on site, still handling
  transfer: { from: ['dispatched'], to: 'dispatched', event: 'transferred' }, // wrongly routed: pass it on
  feedback: { from: ['dispatched'], to: 'resolved', event: 'resolved' }, // 反馈
  close: { from: ['resolved'], to: 'closed', event: 'closed' }, // 核查结案
  reject: { from: ['resolved'], to: 'dispatched', event: 'rejected' }, // verification failed (返工)
  // 复盘. DESIGN: a false alarm can be reviewed; it stays a false alarm, so it is still counted as one.
  review: { from: ['closed', 'false_alarm'], to: 'reviewed', event: 'reviewed', keep: ['false_alarm'] },
  // Found on site, or by the verifier, as well as before anyone went out.
  false_alarm: { from: ['warning', 'acknowledged', 'dispatched', 'resolved'], to: 'false_alarm', event: 'false_alarm' },
  reopen: { from: ['closed'], to: 'dispatched', event: 'reopened' }, // rework (返工)
};

export type TransitionResult = { ok: true; to: IncidentState; event: IncidentEventType } | { ok: false; message: string };

/** Where `action` takes an incident in state `from`, or why it may not. */
export function transition(from: IncidentState, action: Action): TransitionResult {
  const edge = TRANSITIONS[action];
  if (!edge.from.includes(from)) {
    return {
      ok: false,
      message: `cannot ${action} an incident in state ${from} (allowed from: ${edge.from.join(', ')})`,
    };
  }
  return { ok: true, to: edge.keep?.includes(from) ? from : edge.to, event: edge.event };
}
