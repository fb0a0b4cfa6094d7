// The frozen evidence of a case (复盘 material), as the store keeps it and alerts/ assembles it.
import type { Reading } from './reading.js';
import type { Detection } from './detection.js';
import type { Silence } from './silence.js';

/** `freezing` until the readings are copied (after the `evidenceAfter` margin), then `frozen`; `failed` says why. */
export type EvidenceStatus = 'freezing' | 'frozen' | 'failed';

/** A detection of the case as its timeline recorded it. */
export interface EvidenceDetection {
  ts: number;
  /** The timeline event it made: opened, detection, escalated, cleared. */
  event: string;
  phase: 'raise' | 'clear';
  severity: string;
  deviceId: string;
  metric?: string;
  value?: number;
  eventType?: string;
  readingTs?: number;
}

/** A red or orange case of the same grid and category that may have muted this rule's detections. */
export interface EvidenceInhibitor {
  incidentId: string;
  severity: Detection['severity'];
  dedupKey?: string;
  from: number;
  to: number;
}

/** The frozen evidence of one case. */
export interface Evidence {
  incidentId: string;
  status: EvidenceStatus;
  /** When the close (or false alarm) that froze it happened: a reopen and close again freezes anew. */
  triggeredAt: number;
  frozenAt?: number;
  error?: string;
  window: { from: number; to: number };
  devices: string[];
  grid?: string;
  /** How many readings the window held, how many are kept, and how they were thinned when too many. */
  readingCount: { total: number; kept: number; downsampled: boolean; note?: string };
  readings: Reading[];
  detections: EvidenceDetection[];
  /** The rule that fired: its id, version field, the stored revision (rule history) and its full definition. */
  rule: { id: string; version: number; revision?: number; definition: unknown } | null;
  silences: Silence[];
  /** Detections this case muted (its `inhibited` events). */
  inhibited: EvidenceDetection[];
  inhibitors: EvidenceInhibitor[];
}
