// Table-driven checks of the wire schemas (DESIGN § MQTT topics and payloads).
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { CameraEvent, DroneTelemetry, SensorTelemetry, Status } from '../../../model/reading.js';
import { toIssues } from '../../../ingest/result.js';

type Case = { name: string; schema: z.ZodType; input: unknown; path?: string };

const valid: Case[] = [
  { name: 'sensor, ms ts', schema: SensorTelemetry, input: { ts: 1_700_000_000_000, metrics: { waterLevel: 0.3 } } },
  { name: 'sensor, ISO ts with offset', schema: SensorTelemetry, input: { ts: '2024-05-01T08:00:00+08:00', metrics: { pm25: 35 } } },
  { name: 'sensor, no ts, with loc', schema: SensorTelemetry, input: { metrics: { t: -3 }, loc: { lat: 39.9, lon: 116.4 } } },
  { name: 'camera event', schema: CameraEvent, input: { type: 'smoke', confidence: 0.92, count: 1, snapshot: 'https://x.example/s.jpg' } },
  { name: 'camera, confidence bounds', schema: CameraEvent, input: { type: 'crowd', confidence: 1 } },
  {
    name: 'drone telemetry',
    schema: DroneTelemetry,
    input: {
      loc: { lat: 30, lon: 120, alt: 80 },
      battery: 55,
      speed: 12,
      heading: 270,
      mission: 'm-1',
      detections: [{ type: 'fire', confidence: 0.8 }],
    },
  },
  { name: 'status online', schema: Status, input: 'online' },
  { name: 'status offline', schema: Status, input: 'offline' },
];

const invalid: Case[] = [
  { name: 'sensor, empty metrics', schema: SensorTelemetry, input: { metrics: {} }, path: 'metrics' },
  { name: 'sensor, metric not a number', schema: SensorTelemetry, input: { metrics: { waterLevel: '0.3' } }, path: 'metrics.waterLevel' },
  { name: 'sensor, no metrics', schema: SensorTelemetry, input: { ts: 1 }, path: 'metrics' },
  { name: 'sensor, bad lat', schema: SensorTelemetry, input: { metrics: { a: 1 }, loc: { lat: 91, lon: 0 } }, path: 'loc.lat' },
  { name: 'sensor, ts not a date', schema: SensorTelemetry, input: { ts: 'yesterday', metrics: { a: 1 } }, path: 'ts' },
  { name: 'sensor, negative ts', schema: SensorTelemetry, input: { ts: -5, metrics: { a: 1 } }, path: 'ts' },
  { name: 'camera, confidence 1.2', schema: CameraEvent, input: { type: 'smoke', confidence: 1.2 }, path: 'confidence' },
  { name: 'camera, no type', schema: CameraEvent, input: { confidence: 0.5 }, path: 'type' },
  { name: 'camera, count not integer', schema: CameraEvent, input: { type: 'crowd', confidence: 0.5, count: 2.5 }, path: 'count' },
  { name: 'camera, snapshot not a url', schema: CameraEvent, input: { type: 'fire', confidence: 0.5, snapshot: 'nope' }, path: 'snapshot' },
  { name: 'drone, loc without alt', schema: DroneTelemetry, input: { loc: { lat: 1, lon: 2 }, battery: 50 }, path: 'loc.alt' },
  { name: 'drone, battery 101', schema: DroneTelemetry, input: { loc: { lat: 1, lon: 2, alt: 3 }, battery: 101 }, path: 'battery' },
  { name: 'drone, bad lon', schema: DroneTelemetry, input: { loc: { lat: 1, lon: 200, alt: 3 }, battery: 1 }, path: 'loc.lon' },
  {
    name: 'drone, detection confidence',
    schema: DroneTelemetry,
    input: { loc: { lat: 1, lon: 2, alt: 3 }, battery: 1, detections: [{ type: 'x', confidence: 2 }] },
    path: 'detections.0.confidence',
  },
  { name: 'status, unknown word', schema: Status, input: 'sleeping', path: '' },
  { name: 'status, wrong type', schema: Status, input: 1, path: '' },
];

describe('wire schemas', () => {
  it.each(valid)('accepts $name', ({ schema, input }) => {
    const r = schema.safeParse(input);
    expect(r.success, JSON.stringify(r.error?.issues)).toBe(true);
  });

  it.each(invalid)('refuses $name at "$path"', ({ schema, input, path }) => {
    const r = schema.safeParse(input);
    expect(r.success).toBe(false);
    expect(toIssues(r.error?.issues ?? []).map((i) => i.path)).toContain(path);
  });

  it('turns an ISO ts into ms epoch', () => {
    const r = SensorTelemetry.parse({ ts: '2024-05-01T00:00:00Z', metrics: { a: 1 } });
    expect(r.ts).toBe(Date.UTC(2024, 4, 1));
  });
});
