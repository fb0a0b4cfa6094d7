// Escalation of missed deadlines (吹哨报到 → 督办): after the `overdue` event the case climbs
// the routing chain (department → … → coordination office) one level per interval, then the
// top keeps getting reminders until someone acts. Pure: the service stores what it returns.
import type { Incident, IncidentState } from '../model/incident.js';

export const DEADLINE_NAMES = ['acknowledge', 'arrive', 'resolve'] as const;
export type DeadlineName = (typeof DEADLINE_NAMES)[number];

/** Whether the deadline still waits for an action (acted on = no longer pending). */
export function deadlinePending(name: string, inc: { state: IncidentState; arrivedAt?: number }): boolean {
  const { state } = inc;
  switch (name) {
    case 'acknowledge':
      return state === 'warning';
    case 'arrive':
      // 吹哨报到: only the department's own `arrive` meets it, not the operator's dispatch.
      return (state === 'warning' || state === 'acknowledged' || state === 'dispatched') && inc.arrivedAt === undefined;
    case 'resolve':
      return state === 'warning' || state === 'acknowledged' || state === 'dispatched';
    default:
      return false;
  }
}

export type EscalationRecord = NonNullable<Incident['escalation']>;

/** The record an `overdue` starts: level 0 is the department the overdue already told. */
export function startEscalation(inc: Incident, deadline: string, chain: readonly string[], now: number): EscalationRecord {
  const running = inc.escalation;
  // A chain already running for a still-missed deadline keeps its level: the office knows.
  if (running && deadlinePending(running.deadline, inc)) return running;
  return { deadline, level: 0, notified: chain.slice(0, 1), lastAt: now, reminders: 0 };
}

export interface EscalationStep {
  type: 'escalation' | 'reminder';
  /** Who is told now. */
  to: string[];
  deadline: string;
  record: EscalationRecord;
  note: string;
}

/** The next step due at `now`, or undefined (nothing overdue and pending, or not yet time). */
export function nextEscalation(
  inc: Incident,
  now: number,
  chain: readonly string[],
  policy: { intervalMs: number; maxReminders: number },
): EscalationStep | undefined {
  const rec = inc.escalation;
  if (!rec) return undefined;
  // When the tracked deadline was acted on, follow the next missed one that is still pending.
  const deadline = deadlinePending(rec.deadline, inc) ? rec.deadline : inc.overdue.find((d) => deadlinePending(d, inc));
  if (deadline === undefined || now < rec.lastAt + policy.intervalMs) return undefined;
  if (rec.level + 1 < chain.length) {
    const level = rec.level + 1;
    const to = chain[level]!;
    return {
      type: 'escalation',
      to: [to],
      deadline,
      record: { ...rec, deadline, level, notified: chain.slice(0, level + 1), lastAt: now },
      note: `督办: ${chain[0]} has not acted on the ${deadline} deadline; escalated to ${to}`,
    };
  }
  if (rec.reminders >= policy.maxReminders) return undefined;
  const to = chain.slice(0, rec.level + 1);
  const n = rec.reminders + 1;
  return {
    type: 'reminder',
    to,
    deadline,
    record: { ...rec, deadline, notified: to, lastAt: now, reminders: n },
    note: `督办 reminder ${n}: the ${deadline} deadline is still missed (${to.join(', ')})`,
  };
}

/**
 * The offices supervising a case (督办): the coordination office (the chain's end) from the first
 * missed deadline, and every office escalation told. Never the department itself, so a department
 * that had the case transferred away stops seeing it; the offices keep it.
 */
function supervisors(inc: Incident, chain: readonly string[]): string[] {
  const told = [chain.at(-1), ...(inc.escalation?.notified ?? [])].filter((d): d is string => d !== undefined && d !== inc.department);
  return [...new Set([...(inc.supervisedBy ?? []), ...told])];
}

export interface DeadlineChange {
  /** The incident after the change, to store with its event. */
  incident: Incident;
  type: 'overdue' | 'escalation' | 'reminder';
  note: string;
  data: Record<string, unknown>;
}

/**
 * What the deadline check owes one open incident at `now`, in order: an `overdue` for each
 * deadline passed since the last check (吹哨报到), then at most one escalation step or reminder
 * (督办; the next check continues the chain).
 */
export function deadlineChanges(
  inc: Incident,
  now: number,
  chain: readonly string[],
  policy: { intervalMs: number; maxReminders: number },
): DeadlineChange[] {
  const d = inc.deadlines;
  if (!d) return [];
  const out: DeadlineChange[] = [];
  let current = inc;
  const due: Array<[DeadlineName, number]> = [
    ['acknowledge', d.acknowledgeBy],
    ['arrive', d.arriveBy],
    ['resolve', d.resolveBy],
  ];
  for (const [name, by] of due) {
    if (!deadlinePending(name, current) || now <= by || current.overdue.includes(name)) continue;
    current = { ...current, overdue: [...current.overdue, name], updatedAt: now };
    current.escalation = startEscalation(current, name, chain, now);
    current.supervisedBy = supervisors(current, chain);
    const note = `吹哨报到: ${current.department ?? 'department'} missed the ${name} deadline`;
    const notified = current.escalation?.notified ?? [];
    out.push({ incident: current, type: 'overdue', note, data: { deadline: name, due: by, department: current.department, notified } });
  }
  const step = nextEscalation(current, now, chain, policy);
  if (step) {
    current = { ...current, escalation: step.record, updatedAt: now };
    current.supervisedBy = supervisors(current, chain);
    // `to` is who hears now, `notified` everyone told so far: the office's view follows the latter.
    const data = { deadline: step.deadline, to: step.to, level: step.record.level, notified: step.record.notified };
    out.push({ incident: current, type: step.type, note: step.note, data });
  }
  return out;
}
