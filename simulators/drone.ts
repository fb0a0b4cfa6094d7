// A drone flies a circular patrol around its home point, drains its battery ~0.5 %/tick,
// lands to recharge at 10 % and takes off again: a pure function of the tick.
import type { DroneTelemetryInput } from '../model/reading.js';
import { offsetKm, type Device } from './fleet.js';
import { clamp, round } from './numbers.js';
import type { Rng } from './random.js';

export const DRAIN_PER_TICK = 0.5;
export const RECHARGE_AT = 10;
const RECHARGE_PER_TICK = 5;
const DISCHARGE_TICKS = (100 - RECHARGE_AT) / DRAIN_PER_TICK;
const RECHARGE_TICKS = (100 - RECHARGE_AT) / RECHARGE_PER_TICK;
const CYCLE_TICKS = DISCHARGE_TICKS + RECHARGE_TICKS;
const PATROL_PERIOD_S = 300;
export const DRONE_DETECTION_TYPES = ['crowd', 'illegal_parking'] as const;

/** Battery level and whether the drone is on the ground recharging, at a tick. */
export function droneBattery(device: Device, tick: number): { battery: number; charging: boolean } {
  // Each drone starts at a different point of its cycle so a fleet does not land at once.
  const c = (tick + device.index * 37) % CYCLE_TICKS;
  if (c < DISCHARGE_TICKS) return { battery: 100 - DRAIN_PER_TICK * c, charging: false };
  return { battery: RECHARGE_AT + RECHARGE_PER_TICK * (c - DISCHARGE_TICKS), charging: true };
}

/** Telemetry of a patrolling drone at a tick. */
export function droneTelemetry(device: Device, tick: number, tSec: number, rng: Rng): DroneTelemetryInput {
  const { battery, charging } = droneBattery(device, tick);
  const mission = `patrol-loop-${(device.index % 3) + 1}`;
  if (charging) {
    return { loc: { ...device.loc, alt: 0 }, battery: clamp(battery, 0, 100), speed: 0, heading: 0, mission: 'recharge' };
  }
  const radiusKm = 0.6 + 0.3 * (device.index % 3);
  const angle = device.index * 2.1 + (2 * Math.PI * tSec) / PATROL_PERIOD_S;
  const pos = offsetKm(device.loc, radiusKm * Math.sin(angle), radiusKm * Math.cos(angle));
  // Counter-clockwise: velocity points along (north, east) = (cos a, -sin a); compass heading from north.
  const heading = ((Math.atan2(-Math.sin(angle), Math.cos(angle)) * 180) / Math.PI + 360) % 360;
  const payload: DroneTelemetryInput = {
    loc: { ...pos, alt: round(100 + 10 * (device.index % 3) + rng.normal(0, 1.5), 1) },
    battery: clamp(battery, 0, 100),
    speed: round((2 * Math.PI * radiusKm * 1000) / PATROL_PERIOD_S, 1),
    heading: round(heading, 1) % 360,
    mission,
  };
  if (rng.chance(0.08)) {
    payload.detections = [
      { type: rng.pick(DRONE_DETECTION_TYPES), confidence: round(rng.uniform(0.5, 0.95), 3), loc: { lat: pos.lat, lon: pos.lon } },
    ];
  }
  return payload;
}
