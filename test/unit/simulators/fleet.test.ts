import { describe, expect, it } from 'vitest';
import { DeviceId } from '../../../model/reading.js';
import { createFleet, distanceKm, SHANGHAI } from '../../../simulators/fleet.js';

describe('createFleet', () => {
  it('names devices sensor-001…, camera-001…, drone-001… with their topics', () => {
    const fleet = createFleet({ sensors: 4, cameras: 2, drones: 1 });
    expect(fleet.devices.map((d) => d.id)).toEqual([
      'sensor-001',
      'sensor-002',
      'sensor-003',
      'sensor-004',
      'camera-001',
      'camera-002',
      'drone-001',
    ]);
    for (const d of fleet.devices) {
      expect(DeviceId.safeParse(d.id).success).toBe(true);
      expect(d.topicBase).toBe(`city/${d.kind}/${d.id}`);
    }
  });

  it('spreads sensor types round-robin: water, gas, environment', () => {
    const fleet = createFleet({ sensors: 7, cameras: 0, drones: 0 });
    expect(fleet.devices.map((d) => d.sensorType)).toEqual(['water', 'gas', 'environment', 'water', 'gas', 'environment', 'water']);
  });

  it('places devices within the spread around the centre (Shanghai by default)', () => {
    const fleet = createFleet({ sensors: 50, cameras: 10, drones: 3 });
    expect(fleet.center).toEqual(SHANGHAI);
    for (const d of fleet.devices) expect(distanceKm(SHANGHAI, d.loc)).toBeLessThanOrEqual(3.01);
    const wide = createFleet({ sensors: 50, center: { lat: 39.9, lon: 116.4 }, spreadKm: 10 });
    expect(Math.max(...wide.devices.map((d) => distanceKm({ lat: 39.9, lon: 116.4 }, d.loc)))).toBeGreaterThan(3);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const a = createFleet({ seed: 5 });
    expect(createFleet({ seed: 5 })).toEqual(a);
    expect(createFleet({ seed: 6 }).devices.map((d) => d.loc)).not.toEqual(a.devices.map((d) => d.loc));
  });

  it('rejects invalid options', () => {
    expect(() => createFleet({ sensors: -1 })).toThrow();
    expect(() => createFleet({ idPrefix: 'a/b' })).toThrow();
  });

  it('prefixes ids so the demo fleet and a simulation never share a client id', () => {
    const fleet = createFleet({ sensors: 1, cameras: 1, drones: 0, idPrefix: 'demo-' });
    expect(fleet.devices.map((d) => [d.id, d.topicBase])).toEqual([
      ['demo-sensor-001', 'city/sensor/demo-sensor-001'],
      ['demo-camera-001', 'city/camera/demo-camera-001'],
    ]);
    for (const d of fleet.devices) expect(DeviceId.safeParse(d.id).success).toBe(true);
  });
});
