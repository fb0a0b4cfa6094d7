// The evidence part of the review record (docs/reviews.md): where its telemetry came from,
// how much of it there is, and what else was frozen with the case.
import type { Reading } from '../model/reading.js';
import type { TelemetrySink } from '../store/index.js';
import { detectionsOf, isAreaCase, type Evidence } from './evidence.js';
import type { Incident, IncidentEvent } from '../model/incident.js';
import { mdInline } from './markdown-text.js';
import type { ReplaySide } from './incident-replay.js';
import type { RuleSuggestion } from './rule-suggestion.js';
import { safeIso } from './safe-format.js';

/** What a review reads besides the incident: its frozen evidence, the computed suggestion, the rule versions adopted from it. */
export interface ReviewInputs {
  evidence?: Evidence;
  /** The rule that fired, replayed over the frozen evidence. */
  replay?: ReplaySide['summary'] & { reproducesLive: boolean };
  suggestion?: RuleSuggestion;
  adopted?: Array<{
    ruleId: string;
    version: number;
    author: string;
    time: number;
    diff: Array<{ path: string; from?: unknown; to?: unknown }>;
  }>;
}

/** `live`: no evidence frozen (yet); the review reads the time-series store, which retention prunes. */
export interface EvidenceSummary {
  status: 'live' | Evidence['status'];
  frozenAt: number | null;
  devices: string[];
  readings: Evidence['readingCount'] | null;
  detections: number;
  silences: Array<{ id: string; comment: string; startsAt: number; endsAt: number }>;
  inhibited: number;
  inhibitors: Evidence['inhibitors'];
  ruleRevision: number | null;
  error?: string;
}

/** The readings a review shows: the frozen evidence when there is some, else the store's, for every member device. */
export async function reviewReadings(
  incident: Incident,
  events: readonly IncidentEvent[],
  telemetry: TelemetrySink,
  window: { from: number; to: number },
  evidence: Evidence | undefined,
): Promise<{ readings: Reading[]; source: string; from: number; to: number }> {
  if (evidence?.status === 'frozen')
    return { readings: evidence.readings, source: `evidence (frozen ${safeIso(evidence.frozenAt)})`, ...evidence.window };
  const devices = [...new Set([...(incident.deviceId ? [incident.deviceId] : []), ...detectionsOf(events).map((d) => d.deviceId)])];
  const { from, to } = window;
  const readings =
    isAreaCase(incident) || (devices.length === 0 && incident.grid)
      ? await telemetry.queryReadings({ grid: incident.grid!, from, to })
      : devices.length
        ? await telemetry.queryReadings({ deviceIds: devices, from, to })
        : [];
  return { readings, source: telemetry.name, from, to };
}

/** What the record says about the evidence. */
export function summarizeEvidence(e: Evidence | undefined): EvidenceSummary {
  if (!e)
    return {
      status: 'live',
      frozenAt: null,
      devices: [],
      readings: null,
      detections: 0,
      silences: [],
      inhibited: 0,
      inhibitors: [],
      ruleRevision: null,
    };
  return {
    status: e.status,
    frozenAt: e.frozenAt ?? null,
    devices: e.devices,
    readings: e.status === 'frozen' ? e.readingCount : null,
    detections: e.detections.length,
    silences: e.silences.map((s) => ({ id: s.id, comment: s.comment, startsAt: s.startsAt, endsAt: s.endsAt })),
    inhibited: e.inhibited.length,
    inhibitors: e.inhibitors,
    ruleRevision: e.rule?.revision ?? null,
    ...(e.error ? { error: e.error } : {}),
  };
}

/** The Markdown lines of the evidence section. */
export function evidenceMarkdown(s: EvidenceSummary): string[] {
  const head = ['## Evidence', ''];
  if (s.status === 'live') return [...head, '_not frozen: the case is not closed; telemetry is read from the time-series store_'];
  if (s.status !== 'frozen')
    return [...head, `_${s.status}_${s.error ? `: ${mdInline(s.error)}` : ''} — telemetry is read from the time-series store meanwhile`];
  const r = s.readings!;
  return [
    ...head,
    `- Frozen ${safeIso(s.frozenAt)}: ${r.kept} of ${r.total} readings from ${s.devices.length} device(s) (${s.devices.map(mdInline).join(', ')})`,
    ...(r.note ? [`- ${mdInline(r.note)}`] : []),
    `- Detections: ${s.detections} · Silences that applied: ${s.silences.length ? s.silences.map((x) => `${mdInline(x.id)} (${mdInline(x.comment)})`).join(', ') : 'none'}`,
    `- Inhibition: muted ${s.inhibited} detection(s) of others; ${s.inhibitors.length ? `inhibiting cases nearby: ${s.inhibitors.map((i) => `${mdInline(i.incidentId)} (${i.severity})`).join(', ')}` : 'no inhibiting case nearby'}`,
  ];
}

const shown = (v: unknown) => (v === undefined ? '—' : mdInline(typeof v === 'string' ? v : JSON.stringify(v)));

/** The Markdown lines of the improvement (优化): the replay of the rule that fired, the suggestion's counts, and the adopted change. */
export function improvementMarkdown(
  replay: ReviewInputs['replay'],
  s: RuleSuggestion | undefined,
  adopted: ReviewInputs['adopted'],
): string[] {
  const lines: string[] = [];
  if (replay || s) lines.push('', '## Replay (优化)', '');
  if (replay) {
    const when = replay.raised
      ? `raised ${safeIso(replay.raisedAt)} (${mdInline(replay.severity)}), cleared ${safeIso(replay.clearedAt)}`
      : 'would not have raised';
    lines.push(
      `- The rule as it fired, replayed over the evidence: ${when}; ${replay.reproducesLive ? 'the same detections as live' : 'not the detections of live (downsampled evidence, or state from before the window)'}`,
    );
  }
  if (s) {
    const t = s.trueIncidents;
    lines.push(
      `- True incidents of the rule with evidence: ${t.total}; raised by the rule as it fired: ${t.reproduced}; still raised with the change: ${t.stillRaised}`,
    );
    for (const k of [...(s.change ? [s.change] : []), ...s.alternatives]) {
      lines.push(
        `- ${mdInline(k.path)}: ${shown(k.from)} → ${shown(k.to)}${k.reason ? ` — ${mdInline(k.reason)}` : k === s.change ? ' — this false alarm would not have raised (suggested)' : ''}`,
      );
    }
  }
  for (const a of adopted ?? []) {
    lines.push(
      '',
      `## Adopted: ${mdInline(a.ruleId)} version ${a.version}`,
      '',
      `- By ${mdInline(a.author)} at ${safeIso(a.time)}`,
      ...a.diff.map((d) => `- ${mdInline(d.path)}: ${shown(d.from)} → ${shown(d.to)}`),
    );
  }
  return lines;
}
