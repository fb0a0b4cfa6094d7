// Thinning a case's readings to the evidence limit. Plain every-Nth sampling can drop the one
// reading that crossed a threshold; this keeps, per device and time bucket, the first reading
// and the minimum and maximum of each metric, plus every reading a detection pointed at.
import type { Reading } from '../model/reading.js';

/** `keep`: `${deviceId}\0${ts}` of readings that must stay (the ones that raised detections). */
export function downsampleReadings(
  readings: readonly Reading[],
  max: number,
  keep: ReadonlySet<string>,
): { readings: Reading[]; note?: string } {
  if (readings.length <= max) return { readings: [...readings] };
  const byDevice = new Map<string, Reading[]>();
  for (const r of readings) {
    let list = byDevice.get(r.deviceId);
    if (!list) byDevice.set(r.deviceId, (list = []));
    list.push(r);
  }
  const out = new Set<Reading>();
  for (const r of readings) if (keep.has(`${r.deviceId}\u0000${r.ts}`)) out.add(r);
  // Each bucket keeps up to 1 + 2 × metrics readings; aim for a third of the limit per bucket share.
  const budget = Math.max(1, Math.floor((max - out.size) / byDevice.size));
  for (const list of byDevice.values()) {
    const metrics = new Set(list.flatMap((r) => [...Object.keys(r.metrics), ...r.events.map((e) => `event:${e.type}`)]));
    const buckets = Math.max(1, Math.floor(budget / (1 + 2 * Math.max(1, metrics.size))));
    const first = list[0]!.ts;
    const span = Math.max(1, list[list.length - 1]!.ts - first + 1);
    const groups: Reading[][] = Array.from({ length: buckets }, () => []);
    for (const r of list) groups[Math.min(buckets - 1, Math.floor(((r.ts - first) / span) * buckets))]!.push(r);
    for (const g of groups) {
      if (!g.length) continue;
      out.add(g[0]!);
      for (const m of metrics) {
        let lo: Reading | undefined;
        let hi: Reading | undefined;
        for (const r of g) {
          const v = valueOf(r, m);
          if (v === undefined) continue;
          if (lo === undefined || v < valueOf(lo, m)!) lo = r;
          if (hi === undefined || v > valueOf(hi, m)!) hi = r;
        }
        if (lo) out.add(lo);
        if (hi) out.add(hi);
      }
    }
  }
  const kept = readings.filter((r) => out.has(r));
  return {
    readings: kept,
    note: `downsampled: ${kept.length} of ${readings.length} readings kept (per device and time bucket: the first, the minimum and maximum of each metric, and every reading a detection came from)`,
  };
}

function valueOf(r: Reading, metric: string): number | undefined {
  if (metric.startsWith('event:')) {
    const type = metric.slice(6);
    return r.events.find((e) => e.type === type)?.confidence;
  }
  return r.metrics[metric];
}
