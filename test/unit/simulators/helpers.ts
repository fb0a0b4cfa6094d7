// Shared helpers of the simulator unit tests: run a scenario without a broker.
import { CameraEvent, DroneTelemetry, SensorTelemetry } from '../../../model/reading.js';
import { createRng } from '../../../simulators/random.js';
import type { Fleet, Device } from '../../../simulators/fleet.js';
import type { Emission, PublishEmission } from '../../../simulators/payloads.js';
import type { Scenario } from '../../../simulators/scenarios.js';

export const schemaOf = (e: PublishEmission) =>
  e.type === 'sensor' ? SensorTelemetry : e.type === 'camera' ? CameraEvent : DroneTelemetry;

/** Every tick's emission of every device, as the runner would draw them (one rng per device). */
export function playScenario(scenario: Scenario, fleet: Fleet, ticks: number, seed = fleet.seed): Map<string, (Emission | null)[]> {
  const out = new Map<string, (Emission | null)[]>();
  for (const device of fleet.devices) out.set(device.id, playDevice(scenario, device, ticks, seed));
  return out;
}

export function playDevice(scenario: Scenario, device: Device, ticks: number, seed: number): (Emission | null)[] {
  const rng = createRng(seed).fork(device.id);
  return Array.from({ length: ticks }, (_, tick) => scenario.step(device, tick, rng));
}

/** The values of one sensor metric over the ticks (NaN when nothing was sent). */
export function metricSeries(emissions: (Emission | null)[], metric: string): number[] {
  return emissions.map((e) => (e?.type === 'sensor' ? (e.payload.metrics[metric] ?? NaN) : NaN));
}

/** First tick at which the series is above `threshold`, or -1. */
export function firstAbove(series: number[], threshold: number): number {
  return series.findIndex((v) => v > threshold);
}
