// `citysense rules replay --since/--until` against a real influxd: the hand-worked fixture's
// readings go in through the InfluxDB sink and come back, all of them, in pages.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readReplayFile } from '../../app/replay-input.js';
import { runReplay } from '../../app/replay.js';
import type { Reading } from '../../model/reading.js';
import type { Detection } from '../../rules/index.js';
import { createInfluxSink, openInfluxReader, openSpool } from '../../store/index.js';
import { EXPECTED, at, brief, fixture } from '../fixtures/replay/expected.js';
import { influxdInstalled, startInfluxd, type Influxd } from '../../harness/influxd.js';

const installed = influxdInstalled();

describe.skipIf(!installed)('rules replay from InfluxDB (real influxd)', () => {
  let influxd: Influxd;
  const env = () => ({ CITYSENSE_INFLUX_URL: influxd.url, CITYSENSE_INFLUX_BUCKET: 'city', CITYSENSE_INFLUX_API: 'v1' });

  /** Write readings through the real sink and wait until InfluxDB acknowledged every line. */
  async function store(readings: Reading[]): Promise<void> {
    const spool = openSpool(join(mkdtempSync(join(tmpdir(), 'citysense-replay-')), 'citysense.db'), { rowLines: 100 });
    const sink = createInfluxSink(
      { url: influxd.url, bucket: 'city', api: 'v1', batchSize: 500 },
      { spool, logger: pino({ level: 'silent' }) },
    );
    sink.writeReadings(readings);
    await sink.close();
    expect(sink.stats()).toMatchObject({ written: readings.length, lost: 0, spooled: 0 });
  }

  async function cli(args: string[], e: NodeJS.ProcessEnv = env()) {
    const logs: string[] = [];
    const errors: string[] = [];
    const code = await runReplay(args, { log: (s) => logs.push(s), error: (s) => errors.push(s) }, e, at(1000));
    return { code, out: logs.join('\n'), err: errors.join('\n') };
  }

  beforeAll(async () => {
    influxd = await startInfluxd('city');
  });
  afterAll(async () => {
    await influxd?.close();
  });

  it('replays the stored window from the configured InfluxDB with the hand-worked detections', async () => {
    const { readings } = readReplayFile(fixture('flood-fire.jsonl'));
    expect(readings).toHaveLength(9);
    await store(readings);
    const r = await cli([fixture('rules.yaml'), '--since', String(at(-10)), '--until', String(at(300)), '--json']);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as { readings: number; detections: Detection[] };
    expect(json.readings).toBe(9);
    expect(json.detections.map(brief)).toEqual(EXPECTED);
    // --source sqlite reads the SQLite store instead (none here); --source influx needs a configured InfluxDB.
    const dataDir = mkdtempSync(join(tmpdir(), 'citysense-replay-sqlite-'));
    const fromSqlite = await cli([
      fixture('rules.yaml'),
      '--since',
      String(at(-10)),
      '--json',
      '--source',
      'sqlite',
      '--data-dir',
      dataDir,
    ]);
    expect(fromSqlite.code).toBe(1);
    expect(fromSqlite.err).toContain(`no telemetry store at ${join(dataDir, 'citysense-telemetry.db')}`);
    const none = await cli([fixture('rules.yaml'), '--since', '1h', '--source', 'influx'], {});
    expect(none.code).toBe(1);
    expect(none.err).toContain('no InfluxDB configured');
  });

  it('an unreachable InfluxDB is a clear error, exit 1', async () => {
    const r = await cli([fixture('rules.yaml'), '--since', '1h'], { ...env(), CITYSENSE_INFLUX_URL: 'http://127.0.0.1:9' });
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/rules replay: InfluxDB query failed/);
  });

  it('reads every reading of a window in pages, ties across devices included', async () => {
    // 12 devices × 30 readings, all devices at the same 30 timestamps (ties larger than a page),
    // plus camera events and status changes in their own measurements.
    const t0 = Date.parse('2026-06-01T00:00:00Z');
    const all: Reading[] = [];
    for (let i = 0; i < 30; i++) {
      for (let d = 0; d < 12; d++) {
        all.push({
          ts: t0 + i * 1000,
          receivedAt: t0 + i * 1000,
          deviceId: `pg-${d}`,
          kind: 'sensor',
          channel: 'telemetry',
          metrics: { seq: i, d },
          events: [],
        });
      }
      if (i % 5 === 0)
        all.push({
          ts: t0 + i * 1000 + 1,
          receivedAt: t0 + i * 1000 + 1,
          deviceId: 'pg-cam',
          kind: 'camera',
          channel: 'event',
          metrics: {},
          events: [{ type: 'smoke', confidence: 0.5 + i / 100 }],
        });
      if (i % 10 === 0)
        all.push({
          ts: t0 + i * 1000 + 2,
          receivedAt: t0 + i * 1000 + 2,
          deviceId: 'pg-cam',
          kind: 'camera',
          channel: 'status',
          status: i % 20 === 0 ? 'online' : 'offline',
          metrics: {},
          events: [],
        });
    }
    await store(all);
    const key = (r: Reading) => `${r.ts - t0}/${r.deviceId}/${r.channel}/${r.metrics.seq ?? r.events[0]?.confidence ?? r.status}`;
    const want = all.map(key).sort();
    for (const pageSize of [5, 12, 13, 1000]) {
      const got = await openInfluxReader({ url: influxd.url, bucket: 'city', api: 'v1', pageSize }).readings({ from: t0, to: t0 + 29_999 });
      expect(got.map(key).sort(), `page size ${pageSize}`).toEqual(want);
      expect(got.every((r, i) => i === 0 || got[i - 1]!.ts <= r.ts)).toBe(true);
    }
    // The window's edges hold: [t0 + 10 s, t0 + 19 s].
    const part = await openInfluxReader({ url: influxd.url, bucket: 'city', api: 'v1', pageSize: 7 }).readings({
      from: t0 + 10_000,
      to: t0 + 19_000,
    });
    expect(part.filter((r) => r.channel === 'telemetry')).toHaveLength(10 * 12);
  });
});
