// The Incident and its event log: the closed loop of DESIGN.md § Incidents.
import { z } from 'zod';
import { DeviceKind, Location } from './reading.js';
import { Severity } from './detection.js';

export const IncidentState = z.enum([
  'warning', // 预警
  'acknowledged',
  'dispatched', // 处置
  'resolved', // 反馈
  'closed', // 核查结案
  'reviewed', // 复盘
  'false_alarm',
]);
export type IncidentState = z.infer<typeof IncidentState>;

/** Incidents one list query returns: when the query names no limit, and at most (store, HTTP and callers alike). */
export const DEFAULT_INCIDENT_LIMIT = 100;
export const MAX_INCIDENT_LIMIT = 1000;

/** States in which new detections attach to the incident instead of opening another. */
export const OPEN_STATES: readonly IncidentState[] = ['warning', 'acknowledged', 'dispatched', 'resolved'];

export const ReviewAction = z.object({
  action: z.string().min(1),
  owner: z.string().min(1),
  due: z.string().min(1),
});
export const ReviewInput = z.object({
  rootCause: z.string().min(1),
  lessons: z.string().min(1),
  actions: z.array(ReviewAction),
});
export type ReviewInput = z.infer<typeof ReviewInput>;

/** A device of a grouped incident: when it was first and last detected, and when it came back (a `clear`). */
export const Member = z.object({
  deviceId: z.string(),
  firstTs: z.number(),
  lastTs: z.number(),
  clearedTs: z.number().optional(),
});
export type Member = z.infer<typeof Member>;

/** How a grouped incident was grouped (alerts/grouping.ts): `key` is rule + the shared grid/district. */
export const IncidentGroup = z.object({
  by: z.enum(['grid', 'district', 'rule']),
  key: z.string(),
  /** ms: a new device joins only within this of the latest new member. */
  window: z.number(),
});
export type IncidentGroup = z.infer<typeof IncidentGroup>;

export const Deadlines = z.object({
  acknowledgeBy: z.number(),
  arriveBy: z.number(),
  resolveBy: z.number(),
});
export type Deadlines = z.infer<typeof Deadlines>;

/** One manual report of a case (社区吹哨, 12345 hotline, citizen app): the first, and each linked to it later. */
export const IncidentReport = z.object({
  at: z.number(),
  source: z.string(),
  by: z.string(),
  description: z.string().optional(),
  loc: Location.optional(),
});
export type IncidentReport = z.infer<typeof IncidentReport>;

export const Incident = z.object({
  id: z.string(),
  state: IncidentState,
  severity: Severity,
  category: z.string(),
  title: z.string(),
  description: z.string().optional(),
  photo: z.string().optional(),
  /** `rule` for detections; otherwise who blew the whistle (grid_worker, patrol, hotline_12345…). */
  source: z.string(),
  reportedBy: z.string().optional(),
  ruleId: z.string().optional(),
  ruleVersion: z.number().int().optional(),
  dedupKey: z.string().optional(),
  deviceId: z.string().optional(),
  deviceKind: DeviceKind.optional(),
  district: z.string().optional(),
  grid: z.string().optional(),
  loc: Location.optional(),
  department: z.string().optional(),
  deadlines: Deadlines.optional(),
  /** Deadlines already reported overdue: acknowledge | arrive | resolve. */
  overdue: z.array(z.string()),
  createdAt: z.number(),
  updatedAt: z.number(),
  acknowledgedAt: z.number().optional(),
  dispatchedAt: z.number().optional(),
  resolvedAt: z.number().optional(),
  closedAt: z.number().optional(),
  reviewedAt: z.number().optional(),
  resolvedBy: z.string().optional(),
  /** The token name (audit principal) that gave the feedback: 核查结案 needs another one. */
  resolvedPrincipal: z.string().optional(),
  /** 报到: when the dispatched department reported on site; cleared by a transfer, reject or reopen. */
  arrivedAt: z.number().optional(),
  /** Hand-overs to another department (transfer), for the record and the evaluation. */
  transfers: z.number().int().optional(),
  /** Verifications that sent the work back (reject, 返工). */
  rejected: z.number().int().optional(),
  /** Who found the case to be a false alarm (`by` of the false_alarm action). */
  falseAlarmBy: z.string().optional(),
  detections: z.number().int(),
  firstDetectionTs: z.number().optional(),
  lastDetectionTs: z.number().optional(),
  reopened: z.number().int(),
  /** Grouped incidents only: the grouping and the devices in it, first detected first. */
  group: IncidentGroup.optional(),
  members: z.array(Member).optional(),
  review: ReviewInput.optional(),
  /** The reporter's satisfaction (0–100) given with `close`, from the callback (回访). */
  satisfaction: z.number().int().min(0).max(100).optional(),
  /** Manual reports of this case, the latest 100 (alerts/intake.ts); `reportCount` counts every one. */
  reports: z.array(IncidentReport).optional(),
  reportCount: z.number().int().optional(),
  /** 回访: the resident follow-up link sent at close (alerts/follow-up.ts) and its answer; a reopen keeps it. */
  followUp: z
    .object({
      sentAt: z.number(),
      expiresAt: z.number(),
      answeredAt: z.number().optional(),
      score: z.number().int().min(0).max(100).optional(),
    })
    .optional(),
  /** Lower-severity detections of the same category and grid muted by this incident. */
  inhibited: z.number().int().optional(),
  /** Offices told of a missed deadline (督办; the coordination office first): they keep seeing the case after a hand-over. */
  supervisedBy: z.array(z.string()).optional(),
  /** Escalation of a missed deadline (alerts/escalation.ts): who was told, and when. */
  escalation: z
    .object({
      deadline: z.string(),
      level: z.number().int(),
      notified: z.array(z.string()),
      lastAt: z.number(),
      reminders: z.number().int(),
    })
    .optional(),
});
export type Incident = z.infer<typeof Incident>;

export const IncidentEventType = z.enum([
  'opened',
  'detection',
  /** A manual report of the same category nearby, linked to this case instead of opening another. */
  'report',
  'escalated',
  'cleared',
  'acknowledged',
  'dispatched',
  'resolved',
  'closed',
  'reopened',
  /** 报到: the dispatched department is on site. */
  'arrived',
  /** Passed on to another department of the routing table, with a reason. */
  'transferred',
  /** Verification failed: the work goes back to the department (返工). */
  'rejected',
  'false_alarm',
  'reviewed',
  'overdue',
  /** A missed deadline passed up the routing chain (department → coordination office). */
  'escalation',
  /** A repeated reminder while a missed deadline is still not acted on. */
  'reminder',
  /** A lower-severity detection muted by this incident (inhibition), kept on its timeline. */
  'inhibited',
  /** 回访: a one-time follow-up link for the resident was made at close. */
  'follow_up_sent',
  /** 回访: the resident's answer (score 0–100, comment) through that link. */
  'follow_up',
]);
export type IncidentEventType = z.infer<typeof IncidentEventType>;

export const IncidentEvent = z.object({
  /** Position in the append-only event log (0 until stored). */
  id: z.number().int(),
  incidentId: z.string(),
  ts: z.number(),
  type: IncidentEventType,
  actor: z.string(),
  note: z.string().optional(),
  from: IncidentState.optional(),
  to: IncidentState.optional(),
  data: z.record(z.string(), z.unknown()).optional(),
});
export type IncidentEvent = z.infer<typeof IncidentEvent>;
