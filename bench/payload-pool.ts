// Realistic mixed telemetry for the load generators, built by the simulators on the same
// schemas as real gateways; precomputed so the generator spends its CPU on MQTT, not JSON.
import { createFleet, createRng, createScenario } from '../simulators/index.js';

export interface PoolDevice {
  id: string;
  topic: string;
  payloads: Buffer[];
}

/** `devices` devices (70 % sensors, 15 % cameras, 15 % drones) with `perDevice` payloads each. */
export function buildPool(devices: number, perDevice: number, seed: number, prefix: string): PoolDevice[] {
  const cameras = Math.round(devices * 0.15);
  const drones = Math.round(devices * 0.15);
  const sensors = Math.max(0, devices - cameras - drones);
  const fleet = createFleet({ sensors, cameras, drones, seed });
  const scenario = createScenario('normal', fleet, { rate: 1 });
  const rng = createRng(seed);
  return fleet.devices.map((d) => {
    const id = `${prefix}${d.id}`;
    const payloads: Buffer[] = [];
    for (let tick = 0; payloads.length < perDevice && tick < perDevice * 20; tick++) {
      const e = scenario.step(d, tick, rng);
      // Quiet cameras publish rarely; give them a low-confidence event so every device sends.
      if (!e || e.type === 'offline') {
        if (d.kind === 'camera') payloads.push(Buffer.from(JSON.stringify({ type: 'crowd', confidence: 0.3, count: 4 })));
        continue;
      }
      const { ts: _ts, ...payload } = e.payload as { ts?: unknown };
      payloads.push(Buffer.from(JSON.stringify(payload)));
    }
    const channel = d.kind === 'camera' ? 'event' : 'telemetry';
    return { id, topic: `city/${d.kind}/${id}/${channel}`, payloads };
  });
}
