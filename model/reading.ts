// Wire schemas of the MQTT contract (DESIGN.md § MQTT topics and payloads) and the
// domain Reading every later stage consumes. Types come from these schemas only.
import { z } from 'zod';

export const DeviceKind = z.enum(['sensor', 'camera', 'drone']);
export type DeviceKind = z.infer<typeof DeviceKind>;

export const Channel = z.enum(['telemetry', 'event', 'status']);
export type Channel = z.infer<typeof Channel>;

export const DeviceId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'deviceId must match [A-Za-z0-9_-]{1,64}');

/** ms-epoch number or ISO-8601 string → ms epoch (its window is checked later: time-window.ts). */
export const Timestamp = z.union([z.number().finite().nonnegative(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))], {
  error: 'ts must be a number (ms since the epoch) or an ISO-8601 date-time with Z or an offset',
});

export const LatLon = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
});
export const LatLonAlt = LatLon.extend({ alt: z.number().finite() });
export const Location = LatLon.extend({ alt: z.number().finite().optional() });
export type Location = z.infer<typeof Location>;

export const SensorTelemetry = z.object({
  ts: Timestamp.optional(),
  metrics: z
    .record(z.string().min(1).max(64), z.number().finite())
    .refine((m) => Object.keys(m).length > 0, 'metrics must hold at least one metric'),
  loc: LatLon.optional(),
});
export type SensorTelemetry = z.infer<typeof SensorTelemetry>;
export type SensorTelemetryInput = z.input<typeof SensorTelemetry>;

export const CameraEvent = z.object({
  ts: Timestamp.optional(),
  type: z.string().min(1).max(64),
  confidence: z.number().min(0).max(1),
  count: z.number().int().nonnegative().optional(),
  loc: LatLon.optional(),
  snapshot: z.url().optional(),
});
export type CameraEvent = z.infer<typeof CameraEvent>;
export type CameraEventInput = z.input<typeof CameraEvent>;

export const DroneDetection = z.object({
  type: z.string().min(1).max(64),
  confidence: z.number().min(0).max(1),
  loc: LatLon.optional(),
});

export const DroneTelemetry = z.object({
  ts: Timestamp.optional(),
  loc: LatLonAlt,
  battery: z.number().min(0).max(100),
  speed: z.number().finite().nonnegative().optional(),
  heading: z.number().min(0).max(360).optional(),
  mission: z.string().max(128).optional(),
  detections: z.array(DroneDetection).max(100).optional(),
});
export type DroneTelemetry = z.infer<typeof DroneTelemetry>;
export type DroneTelemetryInput = z.input<typeof DroneTelemetry>;

export const Status = z.enum(['online', 'offline']);
export type Status = z.infer<typeof Status>;

/** One thing seen: a camera event, or a drone detection. */
export const SeenEvent = z.object({
  type: z.string(),
  confidence: z.number(),
  count: z.number().int().optional(),
  loc: Location.optional(),
  snapshot: z.string().optional(),
});
export type SeenEvent = z.infer<typeof SeenEvent>;

/**
 * The domain value that flows from ingest into rules and store: one accepted message,
 * normalised and enriched with location, district and grid.
 */
export const Reading = z.object({
  ts: z.number(),
  receivedAt: z.number(),
  deviceId: z.string(),
  kind: DeviceKind,
  channel: Channel,
  loc: Location.optional(),
  district: z.string().optional(),
  grid: z.string().optional(),
  /** Numeric values: sensor metrics; for drones battery, speed, heading, alt. */
  metrics: z.record(z.string(), z.number()),
  /** Camera event, or drone detections. */
  events: z.array(SeenEvent),
  status: Status.optional(),
  /**
   * An `offline` the device meant: a goodbye, not an outage; absence rules do not raise on it.
   * `true` when it published it itself; `disconnect` when ingest made this reading because the
   * device ended with MQTT DISCONNECT (nothing was published: it feeds the rules and is not
   * stored as telemetry). Unset on a fired last will.
   */
  departed: z.union([z.literal(true), z.literal('disconnect')]).optional(),
  mission: z.string().optional(),
});
export type Reading = z.infer<typeof Reading>;
