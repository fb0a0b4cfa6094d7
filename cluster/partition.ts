// Partitions of the reading log (DESIGN.md § Beyond one machine): readings keyed by device for
// per-device rules, by grid for area rules, and one `timers` partition for what belongs to no
// key. Each partition is one subject of the stream and one lease, so one node at a time runs
// the stateful rules of a key, in order.

/** How many device partitions and how many area partitions there are. */
export const PARTITIONS = 16;

/** Subjects of the reading log: `citysense.readings.d.3`, `citysense.readings.a.7`, `citysense.readings.timers`. */
export const SUBJECT_PREFIX = 'citysense.readings';

/** The lease of what is keyed neither by device nor by grid. */
export const TIMERS = 'timers';

const encoder = new TextEncoder();

/**
 * FNV-1a, 32 bits, over the UTF-8 bytes of `key`: the hash nats-server's `partition(n, …)`
 * subject mapping uses (Go's `hash/fnv` New32a, then `% n`), so a server-side mapping and this
 * function put a key in the same partition.
 */
export function fnv1a32(key: string): number {
  let h = 0x811c9dc5;
  for (const byte of encoder.encode(key)) {
    h ^= byte;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** The partition number (0 … n-1) of a key. */
export function partitionOf(key: string, n = PARTITIONS): number {
  return fnv1a32(key) % n;
}

/** The device partition of a device id: `d0` … `d15`. */
export function devicePartition(deviceId: string): string {
  return `d${partitionOf(deviceId)}`;
}

/** The area partition of a grid cell: `a0` … `a15`. */
export function areaPartition(grid: string): string {
  return `a${partitionOf(grid)}`;
}

const NAME = /^(?:([da])(\d+)|timers)$/;

/** Whether `name` is a partition (and so a lease) of the reading log. */
export function isPartitionName(name: string): boolean {
  const m = NAME.exec(name);
  if (!m) return false;
  return m[2] === undefined || (Number(m[2]) < PARTITIONS && String(Number(m[2])) === m[2]);
}

/** The stream subject of a partition: `d3` → `citysense.readings.d.3`, `timers` → `citysense.readings.timers`. */
export function subjectOf(name: string): string {
  const m = NAME.exec(name);
  if (!m || !isPartitionName(name)) throw new RangeError(`not a partition name: ${name}`);
  return m[1] === undefined ? `${SUBJECT_PREFIX}.${TIMERS}` : `${SUBJECT_PREFIX}.${m[1]}.${m[2]}`;
}

/** Every partition, so every lease: `d0…d15`, `a0…a15`, `timers` (33 names). */
export const ALL_LEASES: readonly string[] = Object.freeze([
  ...Array.from({ length: PARTITIONS }, (_, i) => `d${i}`),
  ...Array.from({ length: PARTITIONS }, (_, i) => `a${i}`),
  TIMERS,
]);
