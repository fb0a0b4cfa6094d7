// Small builders for rule tests: readings of each device kind and parsed rules.
import { TestScheduler } from 'rxjs/testing';
import { map, type OperatorFunction } from 'rxjs';
import { expect } from 'vitest';
import type { Reading } from '../../../model/reading.js';
import type { Detection } from '../../../model/detection.js';
import { type RuleInput } from '../../../rules/index.js';
import { AbsenceRule } from '../../../rules/absence.js';
import { CorrelateRule } from '../../../rules/correlate.js';
import { EventRule } from '../../../rules/event.js';
import { GeofenceRule } from '../../../rules/geofence.js';
import { RateRule } from '../../../rules/rate.js';
import { ThresholdRule } from '../../../rules/threshold.js';
import { WindowRule } from '../../../rules/window.js';

/** A reading with defaults: sensor-001, telemetry, ts 0, no metrics or events. */
export function reading(p: Partial<Reading> = {}): Reading {
  return { ts: 0, receivedAt: 0, deviceId: 'sensor-001', kind: 'sensor', channel: 'telemetry', metrics: {}, events: [], ...p };
}

export const sensor = (deviceId: string, metrics: Record<string, number>, extra: Partial<Reading> = {}) =>
  reading({ deviceId, metrics, ...extra });

export const camera = (deviceId: string, type: string, confidence: number, extra: Partial<Reading> = {}) =>
  reading({ deviceId, kind: 'camera', channel: 'event', events: [{ type, confidence }], ...extra });

export const status = (deviceId: string, s: 'online' | 'offline', extra: Partial<Reading> = {}) =>
  reading({ deviceId, channel: 'status', status: s, ...extra });

const base = { id: 'r1', version: 1, category: 'test' };

export const thresholdOf = (p: Partial<RuleInput> & Record<string, unknown>): ThresholdRule =>
  ThresholdRule.parse({ ...base, name: 'Water high', kind: 'threshold', ...p });
export const eventOf = (p: Partial<RuleInput> & Record<string, unknown>): EventRule =>
  EventRule.parse({ ...base, name: 'Smoke', kind: 'event', severity: 'orange', ...p });
export const absenceOf = (p: Partial<RuleInput> & Record<string, unknown>): AbsenceRule =>
  AbsenceRule.parse({ ...base, name: 'Offline', kind: 'absence', severity: 'blue', ...p });

export const rateOf = (p: Record<string, unknown>): RateRule => RateRule.parse({ ...base, name: 'Rising', kind: 'rate', ...p });
export const windowOf = (p: Record<string, unknown>): WindowRule => WindowRule.parse({ ...base, name: 'Hot', kind: 'window', ...p });
export const geofenceOf = (p: Record<string, unknown>): GeofenceRule =>
  GeofenceRule.parse({ ...base, name: 'No-fly', kind: 'geofence', severity: 'orange', select: { kind: 'drone' }, ...p });
export const correlateOf = (p: Record<string, unknown>): CorrelateRule =>
  CorrelateRule.parse({ ...base, name: 'Fire', kind: 'correlate', ...p });

/** A drone position reading. */
export const drone = (deviceId: string, lat: number, lon: number, alt: number, extra: Partial<Reading> = {}) =>
  reading({ deviceId, kind: 'drone', loc: { lat, lon, alt }, metrics: { battery: 80, alt }, ...extra });

/** `raise:orange:sensor-001` — what marble tests compare. */
export const brief: OperatorFunction<Detection, string> = map((d) => `${d.phase}:${d.severity}:${d.deviceId}`);

export const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** Deterministic detection ids. */
export const counterIds = () => {
  let n = 0;
  return () => `det-${++n}`;
};
