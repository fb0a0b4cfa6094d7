// Replay of one case (优化): the rule that fired and a candidate, each run by the live rule
// operators (rules/replay.ts) over the case's evidence, muted and grouped as live — what each
// would have raised and cleared, and whether the candidate would have raised at all.
import { replay, type Rule } from '../rules/index.js';
import type { Detection } from '../model/detection.js';
import { type Evidence, type EvidenceDetection } from './evidence.js';
import type { Incident } from '../model/incident.js';
import { casesOf, muteAsRecorded, type MutedDetection, type ReplayedCase } from './replay-mute.js';

/** One side of the replay. */
export interface ReplaySide {
  rules: string[];
  detections: Detection[];
  muted: MutedDetection[];
  cases: ReplayedCase[];
  /** This case's dedup key: when it would have raised and cleared, or that it would not have. */
  summary: { raised: boolean; raisedAt: number | null; clearedAt: number | null; severity: string | null; detections: number };
}

export interface IncidentReplay {
  incidentId: string;
  evidence: { status: Evidence['status'] | 'live'; window: Evidence['window']; readings: number; downsampled: boolean; note?: string };
  live: { detections: EvidenceDetection[] };
  current: ReplaySide & { reproducesLive: boolean };
  candidate: ReplaySide;
  verdict: string;
}

/** Run one side over the evidence. */
export function replaySide(rules: readonly Rule[], evidence: Evidence, incident: Incident): ReplaySide {
  const closedAt = evidence.triggeredAt;
  const r = replay({ rules: [...rules], readings: evidence.readings, until: evidence.window.to });
  const { passed, muted } = muteAsRecorded(r.detections, evidence);
  const cases = casesOf(passed, closedAt);
  const mine = cases.find((c) => c.dedupKey === incident.dedupKey) ?? cases.find((c) => c.raisedAt <= closedAt);
  return {
    rules: rules.map((x) => x.id),
    detections: passed,
    muted,
    cases,
    summary: mine
      ? { raised: true, raisedAt: mine.raisedAt, clearedAt: mine.clearedAt, severity: mine.severity, detections: mine.detections }
      : { raised: false, raisedAt: null, clearedAt: null, severity: null, detections: 0 },
  };
}

const same = (live: EvidenceDetection[], replayed: Detection[]) =>
  live.length === replayed.length &&
  live.every((l, i) => {
    const d = replayed[i]!;
    return (
      l.phase === d.phase && l.severity === d.severity && l.deviceId === d.deviceId && l.readingTs === d.readingTs && l.value === d.value
    );
  });

const secs = (ms: number) => `${+(Math.abs(ms) / 1000).toFixed(1)} s`;

/** What the candidate would have done on this case, compared with the rule that fired. */
export function verdictOf(current: ReplaySide['summary'], candidate: ReplaySide['summary']): string {
  if (!candidate.raised) return current.raised ? 'would not have raised' : 'neither would have raised';
  if (!current.raised) return `would have raised at ${new Date(candidate.raisedAt!).toISOString()} (the current rule would not)`;
  const delta = candidate.raisedAt! - current.raisedAt!;
  const when = delta === 0 ? 'at the same time' : delta > 0 ? `${secs(delta)} later` : `${secs(delta)} earlier`;
  return `would have raised ${when}${candidate.severity !== current.severity ? `, ${candidate.severity} instead of ${current.severity}` : ''}`;
}

/** Whether a side gives exactly the detections the case recorded live (its own dedup key, up to the close). */
export function reproducesLive(side: ReplaySide, evidence: Evidence, incident: Incident): boolean {
  return same(
    evidence.detections,
    side.detections.filter((d) => d.dedupKey === incident.dedupKey && d.ts <= evidence.triggeredAt),
  );
}

/** Replay the case's evidence under the rule that fired and under the candidate. */
export function replayIncident(
  incident: Incident,
  evidence: Evidence,
  current: readonly Rule[],
  candidate: readonly Rule[],
): IncidentReplay {
  const a = replaySide(current, evidence, incident);
  const b = replaySide(candidate, evidence, incident);
  const live = evidence.detections;
  return {
    incidentId: incident.id,
    evidence: {
      status: evidence.status,
      window: evidence.window,
      readings: evidence.readings.length,
      downsampled: evidence.readingCount.downsampled,
      ...(evidence.readingCount.note ? { note: evidence.readingCount.note } : {}),
    },
    live: { detections: live },
    current: { ...a, reproducesLive: reproducesLive(a, evidence, incident) },
    candidate: b,
    verdict: verdictOf(a.summary, b.summary),
  };
}
