// One reading whose time line protocol cannot carry, in a batch with good ones, through the real
// InfluxDB sink into a real influxd: the bad point is left out, counted and logged; the rest of
// its batch is written (InfluxDB would refuse the whole request for one bad line).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Reading } from '../../model/reading.js';
import { createInfluxSink, openSpool } from '../../store/index.js';
import { captureLogger } from '../unit/store/fixtures.js';
import { influxdInstalled, startInfluxd, type Influxd } from '../../harness/influxd.js';

const T0 = Date.UTC(2026, 5, 1);
const reading = (i: number, ts = T0 + i * 1000): Reading => ({
  ts,
  receivedAt: T0,
  deviceId: 'bad-pt-1',
  kind: 'sensor',
  channel: 'telemetry',
  metrics: { seq: i },
  events: [],
});

describe.skipIf(!influxdInstalled())('InfluxDB sink: a point line protocol cannot carry (real influxd)', () => {
  let influxd: Influxd;
  beforeAll(async () => {
    influxd = await startInfluxd('city');
  });
  afterAll(async () => {
    await influxd?.close();
  });

  it('writes the rest of the batch, and counts and logs the one left out', async () => {
    const spool = openSpool(join(mkdtempSync(join(tmpdir(), 'citysense-badpt-')), 'citysense.db'), { rowLines: 100 });
    const { logger, lines } = captureLogger();
    const sink = createInfluxSink({ url: influxd.url, bucket: 'city', api: 'v1', batchSize: 100 }, { spool, logger });
    sink.writeReadings([reading(0), reading(1), reading(2, 1e300), reading(3), reading(4, Number.NaN)]);
    await sink.close();
    expect(sink.stats()).toMatchObject({ accepted: 3, written: 3, rejected: 0, spooled: 0, lost: 0, invalid: 2 });
    expect(lines.filter((l) => l.msg === 'point not written to InfluxDB: line protocol cannot carry it')).toHaveLength(2);
    const answer = await influxd.query("SELECT seq FROM telemetry WHERE device = 'bad-pt-1'");
    const values = (answer.results[0].series?.[0]?.values ?? []) as Array<[number | string, number]>;
    expect(values.map((v) => v[1])).toEqual([0, 1, 3]);
  });
});
