import { describe, expect, it } from 'vitest';
import {
  ALL_LEASES,
  PARTITIONS,
  areaPartition,
  devicePartition,
  fnv1a32,
  isPartitionName,
  partitionOf,
  subjectOf,
} from '../../../cluster/index.js';

describe('partitions of the reading log', () => {
  it.each([
    ['', 0x811c9dc5],
    ['a', 0xe40c292c],
    ['foobar', 0xbf9cf968],
  ])('FNV-1a 32 of %j is the published test vector', (key, hash) => {
    expect(fnv1a32(key)).toBe(hash);
  });

  // What nats-server 2.9.10 answered for the mapping `pin.*` → `pout.{{partition(16,1)}}.{{wildcard(1)}}`
  // (test/cluster/partition-nats.test.ts asks a live server the same for many more keys).
  it.each([
    ['a', 12],
    ['sensor-1', 9],
    ['G-12-34', 6],
    ['传感器', 0],
  ])('partitionOf(%j) is %i, as nats-server maps it', (key, p) => {
    expect(partitionOf(key)).toBe(p);
    expect(partitionOf(key, PARTITIONS)).toBe(p);
  });

  it('names device and area partitions and their subjects', () => {
    expect(devicePartition('sensor-1')).toBe('d9');
    expect(areaPartition('G-12-34')).toBe('a6');
    expect(subjectOf('d9')).toBe('citysense.readings.d.9');
    expect(subjectOf('a6')).toBe('citysense.readings.a.6');
    expect(subjectOf('timers')).toBe('citysense.readings.timers');
    for (const bad of ['d16', 'x1', 'd01', 'a', 'timers2', '']) {
      expect(isPartitionName(bad)).toBe(false);
      expect(() => subjectOf(bad)).toThrow(RangeError);
    }
  });

  it('lists the 33 leases: d0…d15, a0…a15 and timers, each with its own subject', () => {
    expect(ALL_LEASES).toHaveLength(33);
    expect(ALL_LEASES.slice(0, 2)).toEqual(['d0', 'd1']);
    expect(ALL_LEASES).toContain('a15');
    expect(ALL_LEASES.at(-1)).toBe('timers');
    expect(new Set(ALL_LEASES.map(subjectOf)).size).toBe(33);
  });

  it('spreads keys evenly: 16,000 device ids, no partition far from 1,000', () => {
    const counts = new Array<number>(PARTITIONS).fill(0);
    for (let i = 0; i < 16_000; i++) counts[partitionOf(`sensor-${i}`)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
    for (const c of counts) expect(c).toBeLessThan(1_150);
    const grids = new Set<number>();
    for (let x = 0; x < 20; x++) for (let y = 0; y < 20; y++) grids.add(partitionOf(`G-${x}-${y}`));
    expect(grids.size).toBe(PARTITIONS);
  });

  it('takes another partition count', () => {
    expect(partitionOf('a', 4)).toBe(0xe40c292c % 4);
    expect(partitionOf('a', 1)).toBe(0);
  });
});
