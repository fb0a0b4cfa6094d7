// TelemetryReader on InfluxDB: InfluxQL on /query (query.ts), which 1.x, 2.x and 3.x answer.
// Buckets are InfluxDB's own `GROUP BY time(step)`, so only the buckets cross the wire.
import type { Transport } from '@influxdata/influxdb-client';
import type { Reading } from '../../model/reading.js';
import { toSeries, type BucketRow, type SeriesQuery, type TelemetryReader } from '../telemetry-series.js';
import { ident, influxQl, literal, seriesToReadings, type InfluxSeries } from './query.js';
import { LOC_FIELDS, MEASUREMENT, READING_MEASUREMENTS } from './schema.js';
import type { InfluxReaderOptions } from './reader.js';
import { createTrackedTransport } from './transport.js';

/** The measurements that hold numeric metrics (sensor metrics; drone battery, speed, heading, alt). */
const METRIC_MEASUREMENTS = [MEASUREMENT.telemetry, MEASUREMENT.dronePosition] as const;
const AGGREGATES = { min: 'min', max: 'max', mean: 'avg', count: 'count' } as const;
type Aggregate = keyof typeof AGGREGATES;
/** Fields of the metric measurements that are no metric (schema.ts). */
const NOT_METRICS = new Set<string>([LOC_FIELDS.lat, LOC_FIELDS.lon, 'mission']);
/** How far back the device list is restored from: older devices are left out (a bounded scan). */
export const LATEST_LOOKBACK = '30d';

/** The InfluxQL statement of a series query: `<fn>_<metric>` columns per bucket. */
export function seriesStatement(q: SeriesQuery): string {
  const fns = Object.keys(AGGREGATES) as Aggregate[];
  // One metric: aliases give the same column names a wildcard would.
  const select =
    q.metric === undefined ? fns.map((f) => `${f}(*)`) : fns.map((f) => `${f}(${ident(q.metric!)}) AS ${ident(`${f}_${q.metric}`)}`);
  const where = [`"device" = ${literal(q.deviceId)}`, `time >= ${Math.trunc(q.from)}ms`, `time <= ${Math.trunc(q.to)}ms`];
  return `SELECT ${select.join(', ')} FROM ${METRIC_MEASUREMENTS.map(ident).join(',')} WHERE ${where.join(' AND ')} GROUP BY time(${q.stepMs}ms) fill(none)`;
}

/** The rows of a series answer (times in µs) as bucket rows; non-metric fields are skipped. */
export function bucketRows(series: readonly InfluxSeries[]): BucketRow[] {
  const out: BucketRow[] = [];
  for (const s of series) {
    const timeAt = s.columns.indexOf('time');
    // column index of each aggregate, per metric
    const metrics = new Map<string, Partial<Record<Aggregate, number>>>();
    s.columns.forEach((c, i) => {
      const cut = c.indexOf('_');
      const fn = c.slice(0, cut) as Aggregate;
      const metric = c.slice(cut + 1);
      if (cut < 0 || !(fn in AGGREGATES) || NOT_METRICS.has(metric)) return;
      const at = metrics.get(metric) ?? {};
      at[fn] = i;
      metrics.set(metric, at);
    });
    for (const row of s.values) {
      const ts = Math.floor(Number(row[timeAt]) / 1000);
      for (const [metric, at] of metrics) {
        const v = (fn: Aggregate) => (at[fn] === undefined ? undefined : row[at[fn]!]);
        const [min, max, avg, count] = [v('min'), v('max'), v('mean'), v('count')];
        if (typeof min !== 'number' || typeof max !== 'number' || typeof avg !== 'number' || typeof count !== 'number') continue;
        out.push({ metric, ts, min, max, avg, count });
      }
    }
  }
  return out;
}

/** The newest reading of each measurement per device (GROUP BY puts the device tag beside each series, not in its rows). */
export async function latestReadings(t: Transport, bucket: string, max: number): Promise<Reading[]> {
  const statement = `SELECT * FROM ${READING_MEASUREMENTS.map(ident).join(',')} WHERE time > now() - ${LATEST_LOOKBACK} GROUP BY "device" ORDER BY time DESC LIMIT 1`;
  // The newest row of each measurement per device: a status, an event and a placed reading alike.
  const byDevice = new Map<string, Reading[]>();
  for (const s of await influxQl(t, bucket, statement)) {
    const tags = Object.entries(s.tags ?? {});
    const withTags = {
      ...s,
      columns: [...s.columns, ...tags.map(([k]) => k)],
      values: s.values.map((row) => [...row, ...tags.map(([, v]) => v)]),
    };
    for (const r of seriesToReadings(withTags)) {
      const mine = byDevice.get(r.deviceId);
      if (mine) mine.push(r);
      else if (byDevice.size < max) byDevice.set(r.deviceId, [r]);
    }
  }
  return [...byDevice.values()].flat();
}

/** Build the reader on its own transport (queries never wait behind the sink's writes). */
export function openInfluxTelemetryReader(o: InfluxReaderOptions, flush: () => Promise<void> = async () => {}): TelemetryReader {
  const transport = createTrackedTransport({
    url: o.url,
    bucket: o.bucket,
    api: o.api,
    timeoutMs: o.timeoutMs ?? 30_000,
    maxInFlight: 1,
    maxWaitingLines: 0,
    ...(o.token !== undefined ? { token: o.token } : {}),
  });
  return {
    name: 'influxdb',
    async series(q) {
      await flush().catch(() => undefined); // written or spooled: the sink reports failures itself
      return toSeries(bucketRows(await influxQl(transport, o.bucket, seriesStatement(q))));
    },
    latestPerDevice: (max) => latestReadings(transport, o.bucket, max),
  };
}
