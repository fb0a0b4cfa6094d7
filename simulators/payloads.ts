// Quiet-day payloads of each device kind, typed by the wire schemas of ingest/ so that the
// simulator can never drift from the contract (DESIGN § MQTT topics and payloads).
import type { CameraEventInput, DroneTelemetryInput, SensorTelemetryInput } from '../model/reading.js';
import type { Device } from './fleet.js';
import { droneTelemetry } from './drone.js';
import { clamp, round } from './numbers.js';
import type { Rng } from './random.js';

/** What a device does on one tick: publish one payload, or go offline. */
export type Emission =
  | { type: 'sensor'; payload: SensorTelemetryInput }
  | { type: 'camera'; payload: CameraEventInput }
  | { type: 'drone'; payload: DroneTelemetryInput }
  /** announce: publish `offline` then disconnect; drop: vanish so the broker fires the last will. */
  | { type: 'offline'; mode: 'announce' | 'drop' };

export type PublishEmission = Exclude<Emission, { type: 'offline' }>;

export const CAMERA_EVENT_TYPES = ['crowd', 'illegal_parking'] as const;

/** A slow wave so quiet values drift like real ones; the phase differs per device. */
function wave(device: Device, tSec: number, periodSec: number): number {
  return Math.sin((2 * Math.PI * tSec) / periodSec + device.index * 1.7);
}

/** Normal water level in metres (0.05–0.2). */
export function quietWaterLevel(device: Device, tSec: number, rng: Rng): number {
  return round(clamp(0.12 + 0.04 * wave(device, tSec, 600) + rng.normal(0, 0.01), 0.05, 0.2), 3);
}

/** Normal gas in %LEL (0–5). */
export function quietGas(device: Device, tSec: number, rng: Rng): number {
  return round(clamp(1.5 + wave(device, tSec, 900) + rng.normal(0, 0.3), 0, 5), 2);
}

/** Normal temperature in °C (15–30). */
export function quietTemperature(device: Device, tSec: number, rng: Rng): number {
  return round(clamp(22.5 + 6 * wave(device, tSec, 3600) + rng.normal(0, 0.3), 15, 30), 1);
}

/** Normal PM2.5 in µg/m³. */
export function quietPm25(device: Device, tSec: number, rng: Rng): number {
  return round(clamp(35 + 15 * wave(device, tSec, 1800) + rng.normal(0, 3), 5, 75), 0);
}

/** Quiet telemetry of a sensor, by its type. */
export function quietSensor(device: Device, tSec: number, rng: Rng): SensorTelemetryInput {
  const loc = { ...device.loc };
  switch (device.sensorType) {
    case 'water':
      return { metrics: { waterLevel: quietWaterLevel(device, tSec, rng) }, loc };
    case 'gas':
      return { metrics: { gas: quietGas(device, tSec, rng) }, loc };
    default:
      return {
        metrics: { temperature: quietTemperature(device, tSec, rng), pm25: quietPm25(device, tSec, rng) },
        loc,
      };
  }
}

/** Sensor telemetry at the sensor's position. */
export function sensorEmission(device: Device, metrics: Record<string, number>): Emission {
  return { type: 'sensor', payload: { metrics, loc: { ...device.loc } } };
}

/** A camera event at the camera's position. */
export function cameraEvent(device: Device, type: string, confidence: number, count?: number): CameraEventInput {
  const event: CameraEventInput = { type, confidence: round(clamp(confidence, 0, 1), 3), loc: { ...device.loc } };
  if (count !== undefined) event.count = count;
  return event;
}

/** On a quiet day a camera now and then sees a small crowd or a parked car, with low confidence. */
export function quietCamera(device: Device, rng: Rng): CameraEventInput | null {
  if (!rng.chance(0.05)) return null;
  const type = rng.pick(CAMERA_EVENT_TYPES);
  const event = cameraEvent(device, type, rng.uniform(0.3, 0.55), type === 'crowd' ? rng.int(3, 20) : undefined);
  event.snapshot = `https://snapshots.citysense.invalid/${device.id}/${Math.floor(rng.next() * 1e9)}.jpg`;
  return event;
}

/** The quiet behaviour of any device, or null when it has nothing to say this tick. */
export function quietEmission(device: Device, tick: number, tSec: number, rng: Rng): Emission | null {
  if (device.kind === 'sensor') return { type: 'sensor', payload: quietSensor(device, tSec, rng) };
  if (device.kind === 'drone') return { type: 'drone', payload: droneTelemetry(device, tick, tSec, rng) };
  const event = quietCamera(device, rng);
  return event ? { type: 'camera', payload: event } : null;
}

/** Adds the send time: ms epoch for telemetry, ISO-8601 for camera events (both are on the wire). */
export function stampTs(emission: PublishEmission, nowMs: number): PublishEmission {
  if (emission.type === 'camera') return { ...emission, payload: { ...emission.payload, ts: new Date(nowMs).toISOString() } };
  if (emission.type === 'sensor') return { ...emission, payload: { ...emission.payload, ts: nowMs } };
  return { ...emission, payload: { ...emission.payload, ts: nowMs } };
}

/** `city/{kind}/{id}/{channel}` for a payload. */
export function topicOf(device: Device, emission: PublishEmission): string {
  return `${device.topicBase}/${emission.type === 'camera' ? 'event' : 'telemetry'}`;
}

/** `city/{kind}/{id}/status`. */
export function statusTopic(device: Device): string {
  return `${device.topicBase}/status`;
}
