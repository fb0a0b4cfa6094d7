// `geofence`: point-in-area geometry and the violation logic (pure), and the operator on marbles.
import { describe, expect, it } from 'vitest';
import { distanceM, insidePolygon } from '../../../rules/index.js';
import { geofence, violation } from '../../../rules/geofence.js';
import { geofenceRule } from '../../../rules/operators/geofence-rule.js';
import { brief, drone, geofenceOf, testScheduler } from './helpers.js';

// A square no-fly zone around (31.23, 121.47), ~1.1 km a side.
const square = [
  { lat: 31.225, lon: 121.465 },
  { lat: 31.225, lon: 121.475 },
  { lat: 31.235, lon: 121.475 },
  { lat: 31.235, lon: 121.465 },
];
const noFly = geofenceOf({ area: { polygon: square } });

describe('geofence (pure)', () => {
  it('geometry: polygon ray cast and haversine distance', () => {
    expect(insidePolygon({ lat: 31.23, lon: 121.47 }, square)).toBe(true);
    expect(insidePolygon({ lat: 31.24, lon: 121.47 }, square)).toBe(false);
    // 0.01° of latitude ≈ 1112 m
    expect(distanceM({ lat: 31.23, lon: 121.47 }, { lat: 31.24, lon: 121.47 })).toBeCloseTo(1112, -1);
  });

  it.each([
    ['inside a no-fly polygon', noFly, drone('d1', 31.23, 121.47, 50), 'inside area (31.23, 121.47)'],
    ['outside it', noFly, drone('d1', 31.24, 121.47, 50), undefined],
    [
      'outside a keep-in circle',
      geofenceOf({ area: { circle: { center: { lat: 31.23, lon: 121.47 }, radiusM: 500 } }, trigger: 'outside' }),
      drone('d1', 31.24, 121.47, 50),
      'outside area (31.24, 121.47)',
    ],
    [
      'inside the keep-in circle',
      geofenceOf({ area: { circle: { center: { lat: 31.23, lon: 121.47 }, radiusM: 500 } }, trigger: 'outside' }),
      drone('d1', 31.231, 121.47, 50),
      undefined,
    ],
    ['above a global altitude cap', geofenceOf({ altitude: { above: 120 } }), drone('d1', 31.3, 121.5, 150), 'alt 150 > 120'],
    ['under the cap', geofenceOf({ altitude: { above: 120 } }), drone('d1', 31.3, 121.5, 100), undefined],
    [
      'too low inside the area',
      geofenceOf({ area: { polygon: square }, altitude: { below: 30 } }),
      drone('d1', 31.23, 121.47, 20),
      'inside area (31.23, 121.47), alt 20 < 30',
    ],
    [
      'too low, but outside the area',
      geofenceOf({ area: { polygon: square }, altitude: { below: 30 } }),
      drone('d1', 31.24, 121.47, 20),
      undefined,
    ],
  ])('%s', (_, rule, r, expected) => {
    expect(violation(rule, r)).toBe(expected);
  });

  it('raises once, clears when back in bounds', () => {
    const a = geofence.step(noFly, geofence.init(noFly), drone('d1', 31.23, 121.47, 50), 0);
    const b = geofence.step(noFly, a.state, drone('d1', 31.231, 121.47, 50), 1);
    const c = geofence.step(noFly, b.state, drone('d1', 31.3, 121.47, 50), 2);
    expect([...a.emit, ...b.emit, ...c.emit].map((d) => `${d.phase}:${d.message}`)).toEqual([
      'raise:No-fly: inside area (31.23, 121.47) (d1)',
      'clear:No-fly cleared: back in bounds (d1)',
    ]);
  });

  it('refuses a rule with neither area nor altitude', () => {
    expect(() => geofenceOf({})).toThrow(/area and\/or altitude/);
  });
});

describe('geofenceRule operator', () => {
  it('`for` ignores a short excursion (GPS jitter) and raises on a timer for a long one', () => {
    const rule = geofenceOf({ area: { polygon: square }, for: '10ms' });
    testScheduler().run(({ cold, expectObservable }) => {
      // in at 0, out at 3 (no raise), in again at 4 and staying → raise at 4 + 10 = 14.
      const readings = cold('i 2ms o i', { i: drone('d1', 31.23, 121.47, 50), o: drone('d1', 31.3, 121.47, 50) });
      expectObservable(readings.pipe(geofenceRule(rule), brief)).toBe('14ms r', { r: 'raise:orange:d1' });
    });
  });
});
