// Scenarios: what each device says on each tick. A scenario is planned once for a fleet
// (which devices are hit, where), then `step(device, tick, rng)` is a pure function, so
// it can be unit tested without a broker and replays exactly for a seed.
import { z } from 'zod';
import { distanceKm, type Device, type Fleet, type LatLonPoint } from './fleet.js';
import { clamp, ramp, round } from './numbers.js';
import {
  cameraEvent,
  quietEmission,
  quietGas,
  quietPm25,
  quietTemperature,
  quietWaterLevel,
  sensorEmission,
  type Emission,
} from './payloads.js';
import { createRng, type Rng } from './random.js';

export const ScenarioName = z.enum(['normal', 'flood', 'fire', 'outage']);
export type ScenarioName = z.infer<typeof ScenarioName>;

export const ScenarioOptions = z.object({
  /** Ticks per second of each device (its publish rate). */
  rate: z.number().positive().default(1),
  /** normal: start a small incident every this many seconds (demo). */
  incidentEverySec: z.number().positive().optional(),
  /** flood / fire / outage: seconds of quiet before things happen. */
  startSec: z.number().nonnegative().default(5),
  /** outage: share of devices that go silent. */
  outageFraction: z.number().min(0).max(1).default(0.3),
});
export type ScenarioOptions = z.input<typeof ScenarioOptions>;

export interface Scenario {
  name: ScenarioName;
  /** What `device` emits on its `tick`-th tick (0-based); null means nothing this tick. */
  step(device: Device, tick: number, rng: Rng): Emission | null;
}

type Plan = (device: Device, tick: number, tSec: number, rng: Rng) => Emission | null | undefined;

const RISE_SEC = 30;

/** Plans a scenario for a fleet. */
export function createScenario(name: ScenarioName, fleet: Fleet, options: ScenarioOptions = {}): Scenario {
  const o = ScenarioOptions.parse(options);
  const plan: Plan =
    name === 'flood'
      ? floodPlan(fleet, o.startSec)
      : name === 'fire'
        ? firePlan(fleet, o.startSec)
        : name === 'outage'
          ? outagePlan(fleet, o)
          : normalPlan(fleet, o.incidentEverySec);
  return {
    name,
    step: (device, tick, rng) => {
      const tSec = tick / o.rate;
      const planned = plan(device, tick, tSec, rng);
      // undefined: the scenario leaves this device alone; null: it keeps it silent.
      return planned === undefined ? quietEmission(device, tick, tSec, rng) : planned;
    },
  };
}

const ofType = (fleet: Fleet, type: string): Device[] => fleet.devices.filter((d) => d.sensorType === type);
const ofKind = (fleet: Fleet, kind: Device['kind']): Device[] => fleet.devices.filter((d) => d.kind === kind);

/** Devices within `radiusKm` of a point, or the `atLeast` nearest ones if none are. */
function near(devices: Device[], at: LatLonPoint, radiusKm: number, atLeast: number): Set<string> {
  const sorted = [...devices].sort((a, b) => distanceKm(at, a.loc) - distanceKm(at, b.loc));
  const inside = sorted.filter((d) => distanceKm(at, d.loc) <= radiusKm);
  return new Set((inside.length > 0 ? inside : sorted.slice(0, atLeast)).map((d) => d.id));
}

const areaRadius = (fleet: Fleet): number => Math.max(0.8, fleet.spreadKm / 3);

/** Water in one area rises past 0.5 then 0.8 m over ~30 s; cameras there see flooding. */
function floodPlan(fleet: Fleet, startSec: number): Plan {
  const water = ofType(fleet, 'water');
  const epicentre = water[0]?.loc ?? fleet.center;
  const radius = areaRadius(fleet);
  const flooded = near(water, epicentre, radius, 1);
  const cameras = near(ofKind(fleet, 'camera'), epicentre, radius, 1);
  return (device, _tick, tSec, rng) => {
    if (flooded.has(device.id)) {
      // Farther sensors flood a little later, as water spreads.
      const delay = (distanceKm(epicentre, device.loc) / radius) * 5;
      const p = ramp(tSec, startSec + delay, RISE_SEC);
      const level = quietWaterLevel(device, tSec, rng) + (0.95 - 0.12) * p;
      return sensorEmission(device, { waterLevel: round(Math.max(0, level), 3) });
    }
    if (cameras.has(device.id) && tSec >= startSec + RISE_SEC / 3) {
      if (!rng.chance(0.6)) return null;
      return { type: 'camera', payload: cameraEvent(device, 'flooding', rng.uniform(0.7, 0.95)) };
    }
    return undefined;
  };
}

/** One environment sensor heats past 60 °C; nearby cameras see smoke then fire; gas rises. */
function firePlan(fleet: Fleet, startSec: number): Plan {
  const envs = ofType(fleet, 'environment');
  const hot = envs[0];
  const epicentre = hot?.loc ?? fleet.center;
  const radius = areaRadius(fleet);
  const cameras = near(ofKind(fleet, 'camera'), epicentre, radius, 2);
  const gas = near(ofType(fleet, 'gas'), epicentre, radius, 1);
  // Temperature reaches 82 °C at startSec + 30 s, so it crosses 60 °C at about +20 s.
  const fireAtSec = startSec + RISE_SEC * ((60 - 22.5) / (82 - 22.5));
  return (device, _tick, tSec, rng) => {
    const p = ramp(tSec, startSec, RISE_SEC);
    if (device.id === hot?.id) {
      const temperature = quietTemperature(device, tSec, rng) + (82 - 22.5) * p;
      const pm25 = quietPm25(device, tSec, rng) + 300 * p;
      return sensorEmission(device, { temperature: round(temperature, 1), pm25: round(pm25, 0) });
    }
    if (gas.has(device.id)) {
      const level = quietGas(device, tSec, rng) + 22 * ramp(tSec, startSec + 5, RISE_SEC);
      return sensorEmission(device, { gas: round(level, 2) });
    }
    if (cameras.has(device.id) && tSec >= startSec + 5) {
      if (!rng.chance(0.7)) return null;
      if (tSec < fireAtSec) return { type: 'camera', payload: cameraEvent(device, 'smoke', 0.6 + 0.3 * p + rng.uniform(0, 0.05)) };
      return { type: 'camera', payload: cameraEvent(device, 'fire', rng.uniform(0.8, 0.95)) };
    }
    return undefined;
  };
}

/** A share of the fleet goes silent at startSec: half announce `offline`, half just vanish. */
function outagePlan(fleet: Fleet, o: z.infer<typeof ScenarioOptions>): Plan {
  const rng = createRng(fleet.seed).fork('outage');
  const ids = fleet.devices.map((d) => d.id);
  for (let i = ids.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [ids[i], ids[j]] = [ids[j] as string, ids[i] as string];
  }
  const count = o.outageFraction === 0 ? 0 : Math.max(1, Math.round(o.outageFraction * ids.length));
  const down = new Map(ids.slice(0, count).map((id, i) => [id, i % 2 === 0 ? 'announce' : 'drop'] as const));
  const outageTick = Math.ceil(o.startSec * o.rate);
  return (device, tick) => {
    const mode = down.get(device.id);
    if (mode === undefined || tick < outageTick) return undefined;
    return tick === outageTick ? { type: 'offline', mode } : null;
  };
}

/** Quiet values; with incidentEverySec, now and then a water sensor floods or a camera sees smoke. */
function normalPlan(fleet: Fleet, incidentEverySec: number | undefined): Plan {
  if (incidentEverySec === undefined) return () => undefined;
  const every = incidentEverySec;
  const water = ofType(fleet, 'water');
  const cameras = ofKind(fleet, 'camera');
  const lastsSec = Math.min(30, 0.9 * every);
  // Incident k (k ≥ 1) starts at k × every; odd ones flood a water sensor, even ones are smoke.
  const target = (k: number): { id: string; kind: 'water' | 'smoke' } | undefined => {
    const wantWater = k % 2 === 1 ? water.length > 0 : cameras.length === 0;
    const pool = wantWater ? water : cameras;
    const device = pool[Math.floor((k - 1) / 2) % Math.max(1, pool.length)];
    return device && { id: device.id, kind: wantWater ? 'water' : 'smoke' };
  };
  return (device, _tick, tSec, rng) => {
    const k = Math.floor(tSec / every);
    const dt = tSec - k * every;
    const hit = k >= 1 && dt < lastsSec ? target(k) : undefined;
    if (!hit || hit.id !== device.id) return undefined;
    if (hit.kind === 'smoke') {
      return dt < Math.min(5, lastsSec) ? { type: 'camera', payload: cameraEvent(device, 'smoke', 0.9) } : undefined;
    }
    // A trapezoid: up over ~5 s to ~0.72 m, hold, down over ~5 s.
    const edge = Math.min(5, lastsSec / 3);
    const shape = Math.min(ramp(dt, 0, edge), 1 - ramp(dt, lastsSec - edge, edge));
    const level = quietWaterLevel(device, tSec, rng) + (0.72 - 0.12) * clamp(shape, 0, 1);
    return sensorEmission(device, { waterLevel: round(level, 3) });
  };
}
