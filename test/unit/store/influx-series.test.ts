// The InfluxQL side of the telemetry query, without a server: the statement, and an answer's
// `<fn>_<field>` columns back to bucket rows (location and mission fields are no metrics).
import { describe, expect, it } from 'vitest';
import { bucketRows, seriesStatement } from '../../../store/influx/index.js';

describe('InfluxDB series query', () => {
  it('groups by time(step) over the metric measurements of one device; one metric is aliased like a wildcard', () => {
    expect(seriesStatement({ deviceId: 's-1', from: 1000, to: 5000.7, stepMs: 60_000 })).toBe(
      `SELECT min(*), max(*), mean(*), count(*) FROM "telemetry","drone_position" WHERE "device" = 's-1' AND time >= 1000ms AND time <= 5000ms GROUP BY time(60000ms) fill(none)`,
    );
    expect(seriesStatement({ deviceId: "o'k", metric: 'we"ird', from: 0, to: 1, stepMs: 1 })).toContain(
      `min("we\\"ird") AS "min_we\\"ird", max("we\\"ird") AS "max_we\\"ird", mean("we\\"ird") AS "mean_we\\"ird", count("we\\"ird") AS "count_we\\"ird" FROM "telemetry","drone_position" WHERE "device" = 'o\\'k'`,
    );
  });

  it('reads bucket rows from µs times and per-field columns, skipping location, mission and empty cells', () => {
    const columns = [
      'time',
      'min_level',
      'min_loc_lat',
      'max_level',
      'max_loc_lat',
      'mean_level',
      'mean_loc_lat',
      'count_level',
      'count_loc_lat',
      'count_mission',
      'min_x_y',
      'max_x_y',
      'mean_x_y',
      'count_x_y',
    ];
    const values = [
      [60_000_000, 1, 31, 3, 31, 2, 31, 2, 2, 2, 7, 9, 8, 3],
      [120_000_000, null, 31, null, 31, null, 31, 0, 1, 1, null, null, null, 0],
    ];
    expect(bucketRows([{ name: 'telemetry', columns, values }])).toEqual([
      { metric: 'level', ts: 60_000, min: 1, max: 3, avg: 2, count: 2 },
      { metric: 'x_y', ts: 60_000, min: 7, max: 9, avg: 8, count: 3 },
    ]);
  });
});
