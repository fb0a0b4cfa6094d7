// The review record (复盘) of DESIGN.md § The review record: timeline, response metrics, the
// telemetry around the incident read back from the time-series sink, and the lessons.
import type { Reading } from '../model/reading.js';
import type { TelemetrySink } from '../store/index.js';
import type { Incident, IncidentEvent, IncidentEventType } from '../model/incident.js';
import {
  evidenceMarkdown,
  improvementMarkdown,
  reviewReadings,
  summarizeEvidence,
  type EvidenceSummary,
  type ReviewInputs,
} from './review-evidence.js';
import { mdBlock, mdCell, mdCode, mdInline } from './markdown-text.js';
import { finiteOrUndefined, safeIso, safeNumber, validTime } from './safe-format.js';

/** The stage of the closed loop each event belongs to (预警 → 处置 → 反馈 → 复盘). */
const STAGE: Record<IncidentEventType, string> = {
  opened: '预警 warning',
  detection: '预警 warning',
  report: '预警 report',
  escalated: '预警 warning',
  cleared: '预警 warning',
  acknowledged: '接警 acknowledged',
  dispatched: '处置 dispatched',
  reopened: '返工 reopened',
  arrived: '报到 arrived',
  transferred: '处置 transferred',
  rejected: '返工 rejected',
  overdue: '督办 overdue',
  escalation: '督办 escalation',
  reminder: '督办 reminder',
  inhibited: '预警 inhibited',
  resolved: '反馈 resolved',
  closed: '核查结案 closed',
  false_alarm: '误报 false alarm',
  reviewed: '复盘 reviewed',
  follow_up_sent: '回访 follow-up sent',
  follow_up: '回访 follow-up',
};

export interface Series {
  deviceId: string;
  metric: string;
  points: Array<{ ts: number; value: number }>;
}

export interface ReviewRecord {
  incidentId: string;
  title: string;
  severity: Incident['severity'];
  category: string;
  department: string | null;
  state: Incident['state'];
  timeline: Array<{ ts: number; stage: string; event: IncidentEventType; actor: string; note: string | null }>;
  metrics: {
    timeToAcknowledgeMs: number | null;
    timeToDispatchMs: number | null;
    timeToResolveMs: number | null;
    timeToCloseMs: number | null;
    deadlineMet: boolean;
    detections: number;
    reopened: number;
  };
  telemetry: { from: number; to: number; source: string; series: Series[] };
  /** The case's frozen evidence (docs/reviews.md); `live` until the case is closed or found false. */
  evidence?: EvidenceSummary;
  rootCause: string | null;
  lessons: string | null;
  actions: Array<{ action: string; owner: string; due: string }>;
  rule: {
    id: string;
    version: number;
    falseAlarm: boolean;
    suggestion?: string;
    /** The computed suggestion in full (docs/reviews.md): the change, its alternatives, the true incidents it keeps. */
    suggested?: ReviewInputs['suggestion'];
    /** Rule versions adopted from this review. */
    adopted?: ReviewInputs['adopted'];
    /** The rule that fired, replayed over the frozen evidence: when it raised and cleared, and whether as live. */
    replay?: ReviewInputs['replay'];
  } | null;
}

/** How far around the incident the review reads telemetry. */
export const REVIEW_WINDOW = { beforeMs: 15 * 60_000, afterMs: 5 * 60_000 };

/** Assemble the 复盘 record of one incident; its telemetry is the frozen evidence when there is some. */
export async function buildReview(
  incident: Incident,
  events: IncidentEvent[],
  telemetry: TelemetrySink,
  now: number,
  inputs: ReviewInputs = {},
): Promise<ReviewRecord> {
  const { evidence, suggestion, adopted, replay } = inputs;
  // A stored time no date can carry (a device ts of 1e300 from before ingest checked it) moves
  // the window to the next time known, so the review reads the readings around the incident.
  const start = validTime(incident.firstDetectionTs) ?? validTime(incident.createdAt) ?? now;
  const end = validTime(incident.closedAt) ?? validTime(incident.resolvedAt) ?? now;
  const from = start - REVIEW_WINDOW.beforeMs;
  const to = Math.min(now, end + REVIEW_WINDOW.afterMs);
  const read = await reviewReadings(incident, events, telemetry, { from, to }, evidence);
  const created = validTime(incident.createdAt);
  const since = (t?: number) => {
    const at = validTime(t);
    return at === undefined || created === undefined ? null : at - created;
  };
  const falseAlarm = incident.state === 'false_alarm';
  return {
    incidentId: incident.id,
    title: incident.title,
    severity: incident.severity,
    category: incident.category,
    department: incident.department ?? null,
    state: incident.state,
    timeline: events.map((e) => ({
      ts: e.ts,
      stage: STAGE[e.type],
      event: e.type,
      actor: e.actor,
      note: e.note ?? null,
    })),
    metrics: {
      timeToAcknowledgeMs: since(incident.acknowledgedAt),
      timeToDispatchMs: since(incident.dispatchedAt),
      timeToResolveMs: since(incident.resolvedAt),
      timeToCloseMs: since(incident.closedAt),
      deadlineMet: incident.overdue.length === 0,
      detections: incident.detections,
      reopened: incident.reopened,
    },
    telemetry: { from: read.from, to: read.to, source: read.source, series: toSeries(read.readings) },
    evidence: summarizeEvidence(evidence),
    rootCause: incident.review?.rootCause ?? null,
    lessons: incident.review?.lessons ?? null,
    actions: incident.review?.actions ?? [],
    rule: incident.ruleId
      ? {
          id: incident.ruleId,
          version: incident.ruleVersion ?? 1,
          falseAlarm,
          ...(falseAlarm
            ? {
                suggestion:
                  suggestion?.text ??
                  `check rule ${incident.ruleId}: replay it over this case (POST /api/incidents/${incident.id}/replay) once its evidence is frozen`,
              }
            : {}),
          ...(falseAlarm && suggestion ? { suggested: suggestion } : {}),
          ...(adopted?.length ? { adopted } : {}),
          ...(replay ? { replay } : {}),
        }
      : null,
  };
}

/** Readings → one series per device and metric (camera/drone events as `event:<type>` confidence). */
export function toSeries(readings: Reading[]): Series[] {
  const byKey = new Map<string, Series>();
  const add = (deviceId: string, metric: string, ts: number, value: number) => {
    const key = `${deviceId}\u0000${metric}`;
    let s = byKey.get(key);
    if (!s) byKey.set(key, (s = { deviceId, metric, points: [] }));
    s.points.push({ ts, value });
  };
  for (const r of readings) {
    for (const [metric, value] of Object.entries(r.metrics)) add(r.deviceId, metric, r.ts, value);
    for (const e of r.events) add(r.deviceId, `event:${e.type}`, r.ts, e.confidence);
  }
  return [...byKey.values()];
}

const dur = (ms: number | null) => safeNumber(ms, (n) => `${(n / 1000).toFixed(1)} s`);

/** `N points, min a, max b` over the finite values (a loop: spreading a long series into Math.min overflows the stack). */
function summary(points: ReadonlyArray<{ value: number }>): string {
  let min = Infinity;
  let max = -Infinity;
  for (const p of points) {
    const v = finiteOrUndefined(p.value);
    if (v === undefined) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return min <= max ? `${points.length} points, min ${min}, max ${max}` : `${points.length} points, no finite value`;
}

/** Render the record as Markdown (`?format=md`), for the case file. */
export function renderReviewMarkdown(r: ReviewRecord): string {
  const lines = [
    `# 复盘 Review — ${mdInline(r.title)}`,
    '',
    `- Incident: ${mdCode(r.incidentId)} (${mdInline(r.state)})`,
    `- Severity: ${mdInline(r.severity)} · Category: ${mdInline(r.category)} · Department: ${r.department === null ? '—' : mdInline(r.department)}`,
    r.rule
      ? `- Rule: ${mdCode(r.rule.id)} v${safeNumber(r.rule.version)}${r.rule.falseAlarm ? ' — **false alarm**' : ''}`
      : '- Source: manual report',
    '',
    '## Timeline',
    '',
    '| time | stage | actor | note |',
    '|---|---|---|---|',
    ...r.timeline.map((t) => `| ${safeIso(t.ts)} | ${mdCell(t.stage)} | ${mdCell(t.actor)} | ${mdCell(t.note ?? '')} |`),
    '',
    '## Response',
    '',
    `- Time to acknowledge: ${dur(r.metrics.timeToAcknowledgeMs)}`,
    `- Time to dispatch: ${dur(r.metrics.timeToDispatchMs)}`,
    `- Time to resolve: ${dur(r.metrics.timeToResolveMs)}`,
    `- Time to close: ${dur(r.metrics.timeToCloseMs)}`,
    `- Deadlines met: ${r.metrics.deadlineMet ? 'yes' : 'no'} · Detections: ${safeNumber(r.metrics.detections)} · Reopened: ${safeNumber(r.metrics.reopened)}`,
    '',
    '## Telemetry',
    '',
    `${safeIso(r.telemetry.from)} → ${safeIso(r.telemetry.to)} (from ${mdInline(r.telemetry.source)})`,
    '',
    ...r.telemetry.series.map((s) => `- ${mdInline(s.deviceId)} ${mdInline(s.metric)}: ${summary(s.points)}`),
    '',
    ...(r.evidence ? [...evidenceMarkdown(r.evidence), ''] : []),
    '## Root cause',
    '',
    r.rootCause === null ? '_not reviewed yet_' : mdBlock(r.rootCause),
    '',
    '## Lessons',
    '',
    r.lessons === null ? '_not reviewed yet_' : mdBlock(r.lessons),
    '',
    '## Actions (优化)',
    '',
    ...(r.actions.length
      ? [
          '| action | owner | due |',
          '|---|---|---|',
          ...r.actions.map((a) => `| ${mdCell(a.action)} | ${mdCell(a.owner)} | ${mdCell(a.due)} |`),
        ]
      : ['_none_']),
    ...(r.rule?.suggestion ? ['', `> Suggestion: ${mdInline(r.rule.suggestion)}`] : []),
    ...improvementMarkdown(r.rule?.replay, r.rule?.suggested, r.rule?.adopted),
    '',
  ];
  return lines.join('\n');
}
