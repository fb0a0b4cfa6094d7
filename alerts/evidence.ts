// The evidence of a case (复盘 material), frozen into the store when the case closes or is
// marked a false alarm: every member device's readings around it, its detections, the rule
// that fired and the silences and inhibitions that applied. Telemetry retention (7 days by
// default) removes readings; a review, replay or suggestion must not lose them with it.
import type { Detection } from '../model/detection.js';
import type { TelemetrySink } from '../store/index.js';
import { downsampleReadings } from './evidence-downsample.js';
import type { Incident, IncidentEvent } from '../model/incident.js';
import type { Evidence, EvidenceDetection, EvidenceInhibitor } from '../model/evidence.js';
import type { Reading } from '../model/reading.js';
import { INHIBITING } from './inhibition.js';
import { validTime } from './safe-format.js';
import { compileSilence, type Silence } from './silences.js';

export type { Evidence, EvidenceDetection, EvidenceInhibitor, EvidenceStatus } from '../model/evidence.js';

/** What collecting evidence reads, passed in by app/. */
export interface EvidenceSources {
  telemetry: TelemetrySink;
  /** The rule as it ran at `at`: its definition, and its revision when a history is kept. */
  ruleAt(ruleId: string, at: number): { definition: unknown; revision?: number } | undefined;
  silences(): Silence[];
  /** Incidents of this grid and category (any state), to find the inhibitors. */
  incidentsOf(grid: string, category: string): Incident[];
  marginsMs: { before: number; after: number };
  maxReadings: number;
}

/** Query per device at most this many rows: the stores' own cap on one query. */
const QUERY_ROWS = 100_000;

const PHASE: Record<string, 'raise' | 'clear'> = {
  opened: 'raise',
  detection: 'raise',
  escalated: 'raise',
  cleared: 'clear',
  inhibited: 'raise',
};

/** The detections a timeline recorded (opened, detection, escalated, cleared events carry them). */
export function detectionsOf(
  events: readonly IncidentEvent[],
  types = ['opened', 'detection', 'escalated', 'cleared'],
): EvidenceDetection[] {
  const out: EvidenceDetection[] = [];
  for (const e of events) {
    const d = e.data;
    if (!types.includes(e.type) || !d || typeof d.deviceId !== 'string') continue;
    out.push({
      ts: e.ts,
      event: e.type,
      phase: PHASE[e.type] ?? 'raise',
      severity: String(d.severity ?? ''),
      deviceId: d.deviceId,
      ...(typeof d.metric === 'string' ? { metric: d.metric } : {}),
      ...(typeof d.value === 'number' ? { value: d.value } : {}),
      ...(typeof d.eventType === 'string' ? { eventType: d.eventType } : {}),
      ...(typeof d.readingTs === 'number' ? { readingTs: d.readingTs } : {}),
    });
  }
  return out;
}

/** The window evidence covers: from before the first detection to after the close. */
export function evidenceWindow(
  incident: Incident,
  triggeredAt: number,
  margins: { before: number; after: number },
): { from: number; to: number } {
  // A stored device time no date can carry (1e300 from before ingest checked it) falls back, as the review does.
  const start = validTime(incident.firstDetectionTs) ?? validTime(incident.createdAt) ?? triggeredAt;
  return { from: start - margins.before, to: triggeredAt + margins.after };
}

/** An area rule's case (correlate: dedup key rule + grid) has every device of its grid as a member. */
export const isAreaCase = (i: Incident): boolean => i.grid !== undefined && i.dedupKey === `${i.ruleId}:${i.grid}`;

/** Read and assemble the evidence of a case closed (or found false) at `triggeredAt`. */
export async function collectEvidence(
  incident: Incident,
  events: readonly IncidentEvent[],
  triggeredAt: number,
  src: EvidenceSources,
  now: number,
): Promise<Evidence> {
  const window = evidenceWindow(incident, triggeredAt, src.marginsMs);
  const detections = detectionsOf(events);
  const devices = [...new Set([...(incident.deviceId ? [incident.deviceId] : []), ...detections.map((d) => d.deviceId)])].sort();
  const area = isAreaCase(incident);
  // Per device, so one chatty device cannot crowd out the others' readings.
  const parts = await Promise.all(
    devices.map((id) => src.telemetry.queryReadings({ deviceIds: [id], from: window.from, to: window.to, limit: QUERY_ROWS })),
  );
  if (area) parts.push(await src.telemetry.queryReadings({ grid: incident.grid!, from: window.from, to: window.to, limit: QUERY_ROWS }));
  const capped = parts.some((p) => p.length >= QUERY_ROWS);
  const seen = new Set<string>();
  const all: Reading[] = [];
  for (const r of parts.flat()) {
    const key = `${r.deviceId}\u0000${r.ts}\u0000${r.channel}\u0000${r.receivedAt}`;
    if (seen.has(key)) continue;
    seen.add(key);
    all.push(r);
  }
  all.sort((a, b) => a.ts - b.ts);
  const members = area ? [...new Set([...devices, ...all.map((r) => r.deviceId)])].sort() : devices;
  const keep = new Set(detections.flatMap((d) => (d.readingTs === undefined ? [] : [`${d.deviceId}\u0000${d.readingTs}`])));
  const thinned = downsampleReadings(all, src.maxReadings, keep);
  const notes = [
    thinned.note,
    capped ? `a device had more than ${QUERY_ROWS} readings in the window: only its first ${QUERY_ROWS} were read` : undefined,
  ].filter(Boolean);
  const rule = incident.ruleId ? src.ruleAt(incident.ruleId, incident.firstDetectionTs ?? incident.createdAt) : undefined;
  return {
    incidentId: incident.id,
    status: 'frozen',
    triggeredAt,
    frozenAt: now,
    window,
    devices: members,
    ...(incident.grid !== undefined ? { grid: incident.grid } : {}),
    readingCount: {
      total: all.length,
      kept: thinned.readings.length,
      downsampled: thinned.readings.length < all.length || capped,
      ...(notes.length ? { note: notes.join('; ') } : {}),
    },
    readings: thinned.readings,
    detections,
    rule: incident.ruleId
      ? {
          id: incident.ruleId,
          version: incident.ruleVersion ?? 1,
          ...(rule?.revision !== undefined ? { revision: rule.revision } : {}),
          definition: rule?.definition ?? null,
        }
      : null,
    silences: appliedSilences(incident, members, window, src.silences()),
    inhibited: detectionsOf(events, ['inhibited']),
    inhibitors: incident.grid === undefined ? [] : inhibitorsOf(incident, window, src.incidentsOf(incident.grid, incident.category)),
  };
}

/** Silences active in the window whose matchers take a detection of this case (any member device). */
function appliedSilences(
  incident: Incident,
  devices: readonly string[],
  window: { from: number; to: number },
  silences: readonly Silence[],
): Silence[] {
  return silences.filter((s) => {
    if (s.endsAt <= window.from || s.startsAt >= window.to) return false;
    const matches = compileSilence(s);
    const at = Math.max(s.startsAt, window.from);
    return (devices.length ? devices : ['']).some((deviceId) =>
      matches(
        {
          ruleId: incident.ruleId ?? '',
          deviceId,
          grid: incident.grid,
          district: incident.district,
          category: incident.category,
        } as Detection,
        at,
      ),
    );
  });
}

/** Red and orange cases of the same grid and category, other than this one, open at some time in the window. */
function inhibitorsOf(incident: Incident, window: { from: number; to: number }, others: readonly Incident[]): EvidenceInhibitor[] {
  return others.flatMap((o) => {
    if (o.id === incident.id || !(INHIBITING as readonly string[]).includes(o.severity)) return [];
    const to = o.closedAt ?? (o.state === 'false_alarm' ? o.updatedAt : window.to);
    if (o.createdAt > window.to || to < window.from) return [];
    return [
      { incidentId: o.id, severity: o.severity, ...(o.dedupKey !== undefined ? { dedupKey: o.dedupKey } : {}), from: o.createdAt, to },
    ];
  });
}
