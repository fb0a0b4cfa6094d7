import { describe, expect, it } from 'vitest';
import { createRng, hashString } from '../../../simulators/random.js';

const draw = (seed: number, n = 20): number[] => {
  const rng = createRng(seed);
  return Array.from({ length: n }, () => rng.next());
};

describe('createRng', () => {
  it('replays the same stream for the same seed', () => {
    expect(draw(42)).toEqual(draw(42));
  });

  it('gives different streams for different seeds', () => {
    expect(draw(42)).not.toEqual(draw(43));
  });

  it('forks independent, reproducible streams per label', () => {
    const a1 = createRng(7).fork('sensor-001');
    const a2 = createRng(7).fork('sensor-001');
    const b = createRng(7).fork('sensor-002');
    const take = (r: ReturnType<typeof createRng>) => [r.next(), r.next(), r.next()];
    const a = take(a1);
    expect(take(a2)).toEqual(a);
    expect(take(b)).not.toEqual(a);
  });

  it('keeps its helpers in range', () => {
    const rng = createRng(3);
    for (let i = 0; i < 2000; i++) {
      const u = rng.uniform(2, 5);
      expect(u).toBeGreaterThanOrEqual(2);
      expect(u).toBeLessThan(5);
      const n = rng.int(1, 3);
      expect([1, 2, 3]).toContain(n);
      expect(['a', 'b']).toContain(rng.pick(['a', 'b']));
      expect(Number.isFinite(rng.normal(0, 1))).toBe(true);
    }
  });

  it('draws normal values around the mean and chance near its probability', () => {
    const rng = createRng(11);
    const n = 5000;
    let sum = 0;
    let hits = 0;
    for (let i = 0; i < n; i++) {
      sum += rng.normal(10, 2);
      if (rng.chance(0.25)) hits++;
    }
    expect(sum / n).toBeCloseTo(10, 0);
    expect(hits / n).toBeGreaterThan(0.22);
    expect(hits / n).toBeLessThan(0.28);
  });

  it('refuses to pick from an empty array', () => {
    expect(() => createRng(1).pick([])).toThrow(RangeError);
  });

  it('hashes labels stably', () => {
    expect(hashString('drone-001')).toBe(hashString('drone-001'));
    expect(hashString('drone-001')).not.toBe(hashString('drone-002'));
  });
});
