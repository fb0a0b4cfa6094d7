// Replaying a case as the live service handled it: the silences and inhibitors recorded in its
// evidence mute what they muted live, and detections group into incidents by dedup key as
// alerts/incidents.ts does (a raise opens, later detections attach until the case was closed).
import { SEVERITY_RANK, type Detection, type Severity } from '../model/detection.js';
import type { Evidence } from './evidence.js';
import { compileSilence } from './silences.js';

/** A detection the recorded silences or inhibitors would have muted. */
export interface MutedDetection {
  detection: Detection;
  reason: { silence: string } | { inhibitedBy: string };
}

/** Split detections into those that reach alerts and those muted as recorded (live order of checks). */
export function muteAsRecorded(
  detections: readonly Detection[],
  evidence: Pick<Evidence, 'silences' | 'inhibitors'>,
): { passed: Detection[]; muted: MutedDetection[] } {
  const silences = evidence.silences.map((s) => ({ id: s.id, matches: compileSilence(s) }));
  const open = new Set<string>();
  const passed: Detection[] = [];
  const muted: MutedDetection[] = [];
  for (const d of detections) {
    const silence = silences.find((s) => s.matches(d, d.ts));
    if (silence) {
      muted.push({ detection: d, reason: { silence: silence.id } });
      continue;
    }
    // As live: inhibition mutes what would open a new case, never a case already open.
    const by =
      !open.has(d.dedupKey) && d.phase === 'raise'
        ? evidence.inhibitors.find(
            (i) => i.dedupKey !== d.dedupKey && i.from <= d.ts && d.ts <= i.to && SEVERITY_RANK[i.severity] > SEVERITY_RANK[d.severity],
          )
        : undefined;
    if (by) {
      muted.push({ detection: d, reason: { inhibitedBy: by.incidentId } });
      continue;
    }
    if (d.phase === 'raise') open.add(d.dedupKey);
    passed.push(d);
  }
  return { passed, muted };
}

/** An incident the replayed detections would have opened. */
export interface ReplayedCase {
  dedupKey: string;
  raisedAt: number;
  severity: Severity;
  /** The first clear after the raise, if any (the live case stays open until people close it). */
  clearedAt: number | null;
  detections: number;
}

/** Group by dedup key as alerts/ does; a raise after `closedAt` opens a second case. */
export function casesOf(detections: readonly Detection[], closedAt: number): ReplayedCase[] {
  const all: ReplayedCase[] = [];
  const open = new Map<string, ReplayedCase>();
  for (const d of detections) {
    let cur = open.get(d.dedupKey);
    if (cur && d.ts > closedAt && cur.raisedAt <= closedAt) {
      open.delete(d.dedupKey);
      cur = undefined;
    }
    if (!cur) {
      if (d.phase === 'clear') continue; // live: a clear with no open case opens nothing
      cur = { dedupKey: d.dedupKey, raisedAt: d.ts, severity: d.severity, clearedAt: null, detections: 0 };
      open.set(d.dedupKey, cur);
      all.push(cur);
    }
    cur.detections++;
    if (d.phase === 'clear') cur.clearedAt ??= d.ts;
    else if (SEVERITY_RANK[d.severity] > SEVERITY_RANK[cur.severity]) cur.severity = d.severity;
  }
  return all;
}
