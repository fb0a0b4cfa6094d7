// Reads of the time-series store beyond a review's raw readings: one device's metrics
// downsampled into buckets (GET /api/telemetry), and each device's latest reading (the device
// list after a restart). SQLite and InfluxDB each implement TelemetryReader (STYLE.md: the
// time-series store behind one interface).
import { z } from 'zod';
import type { Reading } from '../model/reading.js';

/** One bucket of one metric: its start (ms epoch) and the values that fell in it. */
export const SeriesPoint = z.object({
  ts: z.number(),
  min: z.number(),
  max: z.number(),
  avg: z.number(),
  count: z.number().int().positive(),
});
export type SeriesPoint = z.infer<typeof SeriesPoint>;

/** The buckets of one metric, oldest first; buckets without a value are left out. */
export const MetricSeries = z.object({ metric: z.string(), points: z.array(SeriesPoint) });
export type MetricSeries = z.infer<typeof MetricSeries>;

/** What to downsample: one device, one metric or all, in [from, to] (ms epoch), in buckets of stepMs. */
export const SeriesQuery = z.object({
  deviceId: z.string().min(1),
  metric: z.string().min(1).optional(),
  from: z.number(),
  to: z.number(),
  stepMs: z.number().int().positive(),
});
export type SeriesQuery = z.infer<typeof SeriesQuery>;

/** Downsampled telemetry and each device's latest reading, from the store that holds telemetry. */
export interface TelemetryReader {
  readonly name: string;
  /**
   * Each metric's buckets. Buckets start at whole multiples of stepMs since the epoch (as
   * InfluxQL's GROUP BY time does), so the first and last may reach outside [from, to];
   * only values inside count. Metrics sorted by name.
   */
  series(q: SeriesQuery): Promise<MetricSeries[]>;
  /**
   * The newest reading of each device (of at most `max` devices), for restoring the device list;
   * when that is a status (which carries no location), also a newer-than-any-other placed one.
   */
  latestPerDevice(max: number): Promise<Reading[]>;
}

/** The start of the bucket of `ts` (epoch-aligned, as InfluxQL's GROUP BY time). */
export const bucketStart = (ts: number, stepMs: number): number => Math.floor(ts / stepMs) * stepMs;

/** One aggregated row: a metric's bucket. */
export interface BucketRow {
  metric: string;
  ts: number;
  min: number;
  max: number;
  avg: number;
  count: number;
}

/**
 * Rows (any order, possibly several per metric and bucket, e.g. from two InfluxDB measurements)
 * → series sorted by metric, points by time. Rows of one bucket merge: min of mins, max of
 * maxes, count-weighted mean; empty rows (count 0) are dropped.
 */
export function toSeries(rows: Iterable<BucketRow>): MetricSeries[] {
  const byMetric = new Map<string, Map<number, SeriesPoint>>();
  for (const r of rows) {
    if (!(r.count > 0)) continue;
    let points = byMetric.get(r.metric);
    if (!points) byMetric.set(r.metric, (points = new Map()));
    const p = points.get(r.ts);
    if (!p) {
      points.set(r.ts, { ts: r.ts, min: r.min, max: r.max, avg: r.avg, count: r.count });
      continue;
    }
    const count = p.count + r.count;
    p.avg = (p.avg * p.count + r.avg * r.count) / count;
    p.min = Math.min(p.min, r.min);
    p.max = Math.max(p.max, r.max);
    p.count = count;
  }
  return [...byMetric.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([metric, points]) => ({ metric, points: [...points.values()].sort((a, b) => a.ts - b.ts) }));
}
