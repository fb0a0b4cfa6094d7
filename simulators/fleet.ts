// A fleet of simulated devices: ids, kinds, sensor types and positions around a centre.
import { z } from 'zod';
import { LatLon, type DeviceKind } from '../model/reading.js';
import { createRng } from './random.js';

export const SHANGHAI = { lat: 31.2304, lon: 121.4737 } as const;

export const FleetOptions = z.object({
  sensors: z.number().int().nonnegative().max(10_000).default(6),
  cameras: z.number().int().nonnegative().max(10_000).default(2),
  drones: z.number().int().nonnegative().max(1_000).default(1),
  seed: z.number().int().default(1),
  center: LatLon.default({ ...SHANGHAI }),
  spreadKm: z.number().positive().max(500).default(3),
  /** Prepended to every id (`demo-sensor-001`), so two fleets can run against one broker. */
  idPrefix: z
    .string()
    .regex(/^[A-Za-z0-9_-]{0,32}$/, 'idPrefix: letters, digits, _ and - only')
    .default(''),
});
export type FleetOptions = z.input<typeof FleetOptions>;

export const SENSOR_TYPES = ['water', 'gas', 'environment'] as const;
export type SensorType = (typeof SENSOR_TYPES)[number];

export interface LatLonPoint {
  lat: number;
  lon: number;
}

/** One simulated device: what it is, where it lives, and where it publishes. */
export interface Device {
  id: string;
  kind: DeviceKind;
  /** Position within its kind, from 0 (sensor-001 is 0). */
  index: number;
  /** Only for sensors: which metrics it reports. */
  sensorType?: SensorType;
  /** Installed position; a drone's patrol centre. */
  loc: LatLonPoint;
  /** `city/{kind}/{id}` — DESIGN § MQTT topics. */
  topicBase: string;
}

export interface Fleet {
  devices: Device[];
  center: LatLonPoint;
  spreadKm: number;
  seed: number;
}

const KM_PER_DEG_LAT = 111.32;

/** Moves a point by (northKm, eastKm) on a locally flat earth (fine at city scale). */
export function offsetKm(from: LatLonPoint, northKm: number, eastKm: number): LatLonPoint {
  const lat = from.lat + northKm / KM_PER_DEG_LAT;
  const lon = from.lon + eastKm / (KM_PER_DEG_LAT * Math.cos((from.lat * Math.PI) / 180));
  return { lat: round6(lat), lon: round6(lon) };
}

/** Great-circle-free distance in km, good enough inside a city. */
export function distanceKm(a: LatLonPoint, b: LatLonPoint): number {
  const north = (b.lat - a.lat) * KM_PER_DEG_LAT;
  const east = (b.lon - a.lon) * KM_PER_DEG_LAT * Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180);
  return Math.hypot(north, east);
}

/** Rounds a coordinate to 6 decimals (~0.1 m): enough, and keeps payloads short. */
export function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function deviceId(prefix: string, kind: DeviceKind, index: number): string {
  return `${prefix}${kind}-${String(index + 1).padStart(3, '0')}`;
}

/** Builds the device descriptors of a fleet, deterministically from the seed. */
export function createFleet(options: FleetOptions = {}): Fleet {
  const o = FleetOptions.parse(options);
  const rng = createRng(o.seed).fork('fleet');
  const place = (): LatLonPoint => {
    // Uniform over the disc: radius ∝ sqrt(u).
    const r = o.spreadKm * Math.sqrt(rng.next());
    const a = rng.uniform(0, 2 * Math.PI);
    return offsetKm(o.center, r * Math.cos(a), r * Math.sin(a));
  };
  const make = (kind: DeviceKind, count: number): Device[] =>
    Array.from({ length: count }, (_, index) => {
      const id = deviceId(o.idPrefix, kind, index);
      const device: Device = { id, kind, index, loc: place(), topicBase: `city/${kind}/${id}` };
      if (kind === 'sensor') device.sensorType = SENSOR_TYPES[index % SENSOR_TYPES.length];
      return device;
    });
  return {
    devices: [...make('sensor', o.sensors), ...make('camera', o.cameras), ...make('drone', o.drones)],
    center: { ...o.center },
    spreadKm: o.spreadKm,
    seed: o.seed,
  };
}
