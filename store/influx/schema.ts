// The line-protocol schema (docs/operations.md § InfluxDB): which measurement, tags and fields each domain
// value becomes. Tags are the low-cardinality dimensions dashboards group by (kind, device,
// district, grid, type, rule, severity, category, phase, stage, department); anything unbounded
// (ids, messages, notes, missions) is a field, so the series count stays bounded by the fleet.
import { Point } from '@influxdata/influxdb-client';
import type { Reading } from '../../model/reading.js';
import type { Detection } from '../../model/detection.js';
import type { IncidentEventRecord } from '../types.js';

export const MEASUREMENT = {
  telemetry: 'telemetry',
  dronePosition: 'drone_position',
  event: 'event',
  deviceStatus: 'device_status',
  detection: 'detection',
  incidentEvent: 'incident_event',
} as const;

/** Measurements a Reading is written to, and read back from for reviews. */
export const READING_MEASUREMENTS = [
  MEASUREMENT.telemetry,
  MEASUREMENT.dronePosition,
  MEASUREMENT.event,
  MEASUREMENT.deviceStatus,
] as const;

/** Location fields carry a prefix so they never collide with a sensor metric such as `lat`. */
export const LOC_FIELDS = { lat: 'loc_lat', lon: 'loc_lon' } as const;

/** The closed loop's stage of each incident event type (预警 → 处置 → 反馈 → 结案 → 复盘). */
const STAGE: Partial<Record<string, string>> = {
  opened: 'warning',
  detection: 'warning',
  escalated: 'warning',
  cleared: 'warning',
  inhibited: 'warning',
  acknowledged: 'handling',
  dispatched: 'handling',
  reopened: 'handling',
  overdue: 'handling',
  escalation: 'handling',
  reminder: 'handling',
  resolved: 'feedback',
  closed: 'closing',
  false_alarm: 'closing',
  reviewed: 'review',
};

// A newline inside a string field would split the line for some servers; one line, one point.
const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');

// Most points of one series per millisecond that keep distinct timestamps (see uniqueMicros).
const MAX_PER_MS = 1000;
const MAX_TRACKED_SERIES = 100_000;

/**
 * The ms times a point may carry: its µs timestamp (ms × 1000 + up to 999) stays an exact
 * integer in a double, which also keeps it inside InfluxDB's int64-nanosecond range
 * (years 1678–2262). About years 1684–2255.
 */
export const LINE_TIME_LIMIT_MS = Math.floor((Number.MAX_SAFE_INTEGER - (MAX_PER_MS - 1)) / 1000);

/** A point the encoder left out, and why. */
export interface InvalidPoint {
  measurement: string;
  reason: string;
}

/** Encoder of domain values into line-protocol lines (precision `us`). */
export interface LineEncoder {
  reading(r: Reading): string[];
  detection(d: Detection): string[];
  incidentEvent(e: IncidentEventRecord): string[];
}

/**
 * Build an encoder. InfluxDB keeps one point per series and timestamp and overwrites a second
 * one, so two values of one series in the same millisecond would silently become one. The
 * encoder writes microseconds and gives the 2nd…1000th point of a series in one millisecond
 * +1…+999 µs; a line, once encoded, never changes, so retries and replays stay idempotent.
 *
 * A value line protocol cannot carry (a time outside LINE_TIME_LIMIT_MS, a field the client
 * refuses) is left out and reported to `onInvalid`, never encoded: InfluxDB refuses a whole
 * request for one bad line, and a clamped time would put a reading where it never was.
 */
export function createLineEncoder(opts: { onInvalid?: (point: InvalidPoint) => void } = {}): LineEncoder {
  const last = new Map<string, { ms: number; n: number }>();
  /** One point's line, or '' (reported) when it cannot be encoded. */
  const guard = (measurement: string, build: () => string): string => {
    try {
      return build();
    } catch (err) {
      opts.onInvalid?.({ measurement, reason: (err as Error).message });
      return '';
    }
  };
  const stamp = (p: Point, measurement: string, tags: Record<string, string | undefined>, ms: number): string => {
    if (!(Math.abs(ms) <= LINE_TIME_LIMIT_MS)) throw new Error(`time ${ms} ms is outside ±${LINE_TIME_LIMIT_MS} ms`);
    // Each measurement lists its tags in one fixed order, so the values alone name the series.
    let key = measurement;
    for (const v of Object.values(tags)) key += `\u0000${v ?? ''}`;
    const seen = last.get(key);
    let n = 0;
    if (seen && seen.ms === ms) n = Math.min(seen.n + 1, MAX_PER_MS - 1);
    if (last.size >= MAX_TRACKED_SERIES && !seen) last.clear(); // bounded memory
    last.set(key, { ms, n });
    for (const [k, v] of Object.entries(tags)) if (v) p.tag(k, v);
    // A string timestamp is written as is: whole microseconds since the epoch.
    return p.timestamp(`${Math.trunc(ms) * 1000 + n}`).toLineProtocol() ?? '';
  };
  const loc = (p: Point, l?: { lat: number; lon: number }) => {
    if (l) p.floatField(LOC_FIELDS.lat, l.lat).floatField(LOC_FIELDS.lon, l.lon);
  };

  return {
    reading(r) {
      const tags = { kind: r.kind, device: r.deviceId, district: r.district, grid: r.grid };
      const lines: string[] = [];
      if (r.channel === 'status' && r.status) {
        lines.push(
          guard(MEASUREMENT.deviceStatus, () => {
            const p = new Point(MEASUREMENT.deviceStatus).booleanField('online', r.status === 'online');
            return stamp(p, MEASUREMENT.deviceStatus, tags, r.ts);
          }),
        );
      }
      if (Object.keys(r.metrics).length > 0) {
        const m = r.kind === 'drone' ? MEASUREMENT.dronePosition : MEASUREMENT.telemetry;
        lines.push(
          guard(m, () => {
            const p = new Point(m);
            for (const [name, value] of Object.entries(r.metrics)) p.floatField(name, value);
            loc(p, r.loc);
            if (r.mission) p.stringField('mission', oneLine(r.mission));
            return stamp(p, m, tags, r.ts);
          }),
        );
      }
      for (const e of r.events) {
        lines.push(
          guard(MEASUREMENT.event, () => {
            const p = new Point(MEASUREMENT.event).floatField('confidence', e.confidence);
            if (e.count !== undefined) p.intField('count', e.count);
            if (e.snapshot) p.stringField('snapshot', e.snapshot);
            loc(p, e.loc ?? r.loc);
            return stamp(p, MEASUREMENT.event, { ...tags, type: e.type }, r.ts);
          }),
        );
      }
      return lines.filter((l) => l.length > 0);
    },
    detection(d) {
      return nonEmpty(guard(MEASUREMENT.detection, () => detectionLine(d)));
    },
    incidentEvent(record) {
      return nonEmpty(guard(MEASUREMENT.incidentEvent, () => incidentEventLine(record)));
    },
  };

  function detectionLine(d: Detection): string {
    const p = new Point(MEASUREMENT.detection)
      .stringField('id', d.id)
      .intField('rule_version', d.ruleVersion)
      .stringField('message', oneLine(d.message))
      .stringField('dedup_key', d.dedupKey);
    if (d.value !== undefined && Number.isFinite(d.value)) p.floatField('value', d.value);
    if (d.metric) p.stringField('metric', d.metric);
    if (d.eventType) p.stringField('event_type', d.eventType);
    // A reading time a device got wrong is a detail of the point, not a reason to lose it.
    if (d.readingTs !== undefined && Math.abs(d.readingTs) <= LINE_TIME_LIMIT_MS) p.intField('reading_ts', d.readingTs);
    loc(p, d.loc);
    const tags = {
      rule: d.ruleId,
      severity: d.severity,
      category: d.category,
      phase: d.phase,
      kind: d.deviceKind,
      device: d.deviceId,
      district: d.district,
      grid: d.grid,
    };
    return stamp(p, MEASUREMENT.detection, tags, d.ts);
  }

  function incidentEventLine({ incident: i, event: e }: IncidentEventRecord): string {
    const p = new Point(MEASUREMENT.incidentEvent)
      .stringField('incident', i.id)
      .intField('event_id', e.id)
      .stringField('actor', oneLine(e.actor))
      .stringField('state', i.state);
    if (e.note) p.stringField('note', oneLine(e.note));
    if (e.from) p.stringField('from_state', e.from);
    if (e.to) p.stringField('to_state', e.to);
    const tags = {
      stage: STAGE[e.type] ?? 'other',
      type: e.type,
      severity: i.severity,
      category: i.category,
      district: i.district,
      grid: i.grid,
      department: i.department,
    };
    return stamp(p, MEASUREMENT.incidentEvent, tags, e.ts);
  }
}

const nonEmpty = (line: string): string[] => (line.length > 0 ? [line] : []);
