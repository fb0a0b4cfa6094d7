import { describe, expect, it } from 'vitest';
import { createFleet } from '../../../simulators/fleet.js';
import { corrupt, MALFORMATIONS, renderMessage } from '../../../simulators/malformed.js';
import type { PublishEmission } from '../../../simulators/payloads.js';
import { createRng } from '../../../simulators/random.js';
import { createScenario } from '../../../simulators/scenarios.js';
import { playScenario, schemaOf } from './helpers.js';

const fleet = createFleet({ sensors: 6, cameras: 3, drones: 2, seed: 4 });
const scenario = createScenario('fire', fleet, { rate: 1, startSec: 0 });
const played = playScenario(scenario, fleet, 120);
const samples: { device: (typeof fleet.devices)[number]; emission: PublishEmission }[] = fleet.devices.flatMap((device) =>
  played.get(device.id)!.flatMap((e) => (e && e.type !== 'offline' ? [{ device, emission: e }] : [])),
);

/** True when the service must refuse the text: not JSON, or not valid for its schema. */
function refused(text: string, emission: PublishEmission): boolean {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return true;
  }
  return !schemaOf(emission).safeParse(body).success;
}

describe('corrupt', () => {
  for (const kind of ['sensor', 'camera', 'drone'] as const) {
    it.each(MALFORMATIONS)(`${kind}: %s really fails parsing or the schema`, (how) => {
      const mine = samples.filter((s) => s.emission.type === kind);
      expect(mine.length).toBeGreaterThan(0);
      const rng = createRng(how.length);
      for (const { emission } of mine.slice(0, 25)) {
        const stamped = { ...emission, payload: { ...emission.payload, ts: 1_700_000_000_000 } } as PublishEmission;
        const text = corrupt(stamped, how, rng);
        expect(refused(text, emission), `${how}: ${text}`).toBe(true);
      }
    });
  }

  it('includes the named breakages: confidence 1.7, battery -5, strings for numbers, missing metrics', () => {
    const rng = createRng(1);
    const camera = samples.find((s) => s.emission.type === 'camera')!.emission;
    const drone = samples.find((s) => s.emission.type === 'drone')!.emission;
    const sensor = samples.find((s) => s.emission.type === 'sensor')!.emission;
    expect(JSON.parse(corrupt(camera, 'out-of-range', rng)).confidence).toBe(1.7);
    expect(JSON.parse(corrupt(drone, 'out-of-range', rng)).battery).toBe(-5);
    expect(typeof JSON.parse(corrupt(drone, 'string-for-number', rng)).battery).toBe('string');
    const missing = Array.from({ length: 20 }, () => JSON.parse(corrupt(sensor, 'missing-field', rng)));
    expect(missing.some((m) => !('metrics' in m))).toBe(true);
  });
});

describe('renderMessage', () => {
  const render = (fraction: number, seed: number) => {
    const rng = createRng(seed);
    return samples.map(({ device, emission }) => ({ emission, message: renderMessage(device, emission, Date.now(), fraction, rng) }));
  };

  it('breaks roughly the requested fraction of messages, each of which is refused', () => {
    const rendered = [...render(0.2, 1), ...render(0.2, 2), ...render(0.2, 3)];
    const broken = rendered.filter((r) => r.message.malformed !== null);
    expect(broken.length / rendered.length).toBeGreaterThan(0.16);
    expect(broken.length / rendered.length).toBeLessThan(0.24);
    expect(new Set(broken.map((r) => r.message.malformed))).toEqual(new Set(MALFORMATIONS));
    for (const r of broken) expect(refused(r.message.payload, r.emission)).toBe(true);
    for (const r of rendered.filter((x) => x.message.malformed === null)) expect(refused(r.message.payload, r.emission)).toBe(false);
  });

  it('breaks nothing at 0 and everything at 1', () => {
    expect(render(0, 1).every((r) => r.message.malformed === null)).toBe(true);
    expect(render(1, 1).every((r) => r.message.malformed !== null)).toBe(true);
  });

  it('stamps ts as ms epoch for telemetry and ISO-8601 for camera events', () => {
    const rendered = render(0, 1);
    const camera = rendered.find((r) => r.emission.type === 'camera')!;
    const sensor = rendered.find((r) => r.emission.type === 'sensor')!;
    expect(JSON.parse(camera.message.payload).ts).toBe(new Date(JSON.parse(camera.message.payload).ts).toISOString());
    expect(typeof JSON.parse(sensor.message.payload).ts).toBe('number');
  });
});
