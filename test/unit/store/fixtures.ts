// Fixtures for the store tests: typed Incident, IncidentEvent, Reading and Detection values,
// temp folders, and a real pino logger whose lines the test can read.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import type { Incident, IncidentEvent } from '../../../model/incident.js';
import type { Reading } from '../../../model/reading.js';
import type { Detection } from '../../../model/detection.js';

export const T0 = Date.UTC(2025, 5, 1, 8, 0, 0);

/** A rule-opened incident in `warning`; override any field. */
export function makeIncident(overrides: Partial<Incident> = {}): Incident {
  return {
    id: 'inc-1',
    state: 'warning',
    severity: 'orange',
    category: 'flood',
    title: '积水超限',
    source: 'rule',
    ruleId: 'water-high',
    ruleVersion: 1,
    dedupKey: 'water-high|sensor-1',
    deviceId: 'sensor-1',
    deviceKind: 'sensor',
    district: 'haidian',
    grid: 'g-101',
    loc: { lat: 39.98, lon: 116.31 },
    overdue: [],
    createdAt: T0,
    updatedAt: T0,
    detections: 1,
    reopened: 0,
    ...overrides,
  };
}

/** An event of the incident's timeline, not yet stored (id 0). */
export function makeEvent(incidentId: string, overrides: Partial<IncidentEvent> = {}): IncidentEvent {
  return { id: 0, incidentId, ts: T0, type: 'opened', actor: 'rule:water-high', to: 'warning', ...overrides };
}

/** A sensor telemetry Reading; override any field. */
export function makeReading(overrides: Partial<Reading> = {}): Reading {
  return {
    ts: T0,
    receivedAt: T0,
    deviceId: 'sensor-1',
    kind: 'sensor',
    channel: 'telemetry',
    loc: { lat: 39.98, lon: 116.31 },
    district: 'haidian',
    grid: 'g-101',
    metrics: { waterLevel: 0.3 },
    events: [],
    ...overrides,
  };
}

/** A raise Detection; override any field. */
export function makeDetection(overrides: Partial<Detection> = {}): Detection {
  return {
    id: 'det-1',
    ts: T0,
    phase: 'raise',
    ruleId: 'water-high',
    ruleVersion: 1,
    ruleName: '积水超限',
    ruleKind: 'threshold',
    severity: 'orange',
    category: 'flood',
    dedupKey: 'water-high|sensor-1',
    deviceId: 'sensor-1',
    deviceKind: 'sensor',
    grid: 'g-101',
    message: 'waterLevel 0.6 > 0.5',
    ...overrides,
  };
}

/** A fresh temp folder, and a function that removes it. */
export function tempDir(): { dir: string; remove: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'citysense-store-'));
  return { dir, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A real pino logger that keeps its JSON lines in `lines` instead of printing them. */
export function captureLogger(): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'info' }, sink), lines };
}
