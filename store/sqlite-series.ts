// TelemetryReader on the SQLite telemetry file: buckets computed by SQLite itself (json_each
// over each row's metrics, on the readings_device_ts index), so only the buckets cross into JS.
import type { Database } from 'better-sqlite3';
import type { Reading } from '../model/reading.js';
import { READING_ROW_COLUMNS, readingFromRow, type ReadingRow } from './telemetry-rows.js';
import { toSeries, type BucketRow, type TelemetryReader } from './telemetry-series.js';

interface SeriesParams {
  device: string;
  metric: string | null;
  from: number;
  to: number;
  step: number;
}

/** Build the reader on the store's connection to the telemetry file; `flush` makes accepted rows visible first. */
export function createSqliteTelemetryReader(db: Database, flush: () => Promise<void> = async () => {}): TelemetryReader {
  // CAST floors: the step is bound as a REAL, so the division is not an integer one.
  const buckets = db.prepare<[SeriesParams], BucketRow>(`
    SELECT m.key AS metric, CAST(r.ts / @step AS INTEGER) * @step AS ts,
           min(m.value) AS min, max(m.value) AS max, avg(m.value) AS avg, count(*) AS count
    FROM readings r, json_each(r.body, '$.metrics') m
    WHERE r.device_id = @device AND r.ts >= @from AND r.ts <= @to
      AND (@metric IS NULL OR m.key = @metric) AND m.type IN ('integer', 'real')
    GROUP BY m.key, CAST(r.ts / @step AS INTEGER)`);
  // A skip-scan over the (device_id, ts) index: one lookup per device, not a pass over every row.
  const nextDevice = db.prepare<[string], { id: string | null }>('SELECT min(device_id) AS id FROM readings WHERE device_id > ?');
  const newestOf = db.prepare<[string], ReadingRow>(
    `SELECT ${READING_ROW_COLUMNS} FROM readings WHERE device_id = ? ORDER BY ts DESC, rowid DESC LIMIT 1`,
  );
  // Status messages are rare beside telemetry, so this walks back a few index entries only.
  const newestPlacedOf = db.prepare<[string], ReadingRow>(
    `SELECT ${READING_ROW_COLUMNS} FROM readings WHERE device_id = ? AND channel <> 'status' ORDER BY ts DESC, rowid DESC LIMIT 1`,
  );
  return {
    name: 'sqlite',
    async series(q) {
      await flush().catch(() => undefined); // a failed write is logged by the sink; answer with what is stored
      return toSeries(buckets.all({ device: q.deviceId, metric: q.metric ?? null, from: q.from, to: q.to, step: q.stepMs }));
    },
    async latestPerDevice(max) {
      await flush().catch(() => undefined);
      const out: Reading[] = [];
      let devices = 0;
      for (let id = nextDevice.get('')?.id; id != null && devices < max; id = nextDevice.get(id)?.id, devices++) {
        const row = newestOf.get(id);
        if (!row) continue;
        // A status carries no location: the newest other reading says where the device was.
        const placed = row.channel === 'status' ? newestPlacedOf.get(id) : undefined;
        if (placed) out.push(readingFromRow(placed));
        out.push(readingFromRow(row));
      }
      return out;
    },
  };
}
