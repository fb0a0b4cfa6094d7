// The InfluxDB sink's flush is the QoS 1 "stored" point: lines InfluxDB did not take count as
// stored once they are in the SQLite spool, never when the spool failed too. Real parts only:
// a port nothing listens on (connection refused) and a real spool whose inserts a trigger fails.
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { createInfluxSink, openSpool, type InfluxSink } from '../../../store/index.js';
import { freePort } from '../../../harness/influxd.js';
import { captureLogger, makeReading, tempDir } from './fixtures.js';

describe('InfluxDB sink flush', () => {
  let tmp: ReturnType<typeof tempDir> | undefined;
  let sink: InfluxSink | undefined;
  afterEach(async () => {
    await sink?.close();
    tmp?.remove();
  });

  async function open(spoolFails: boolean): Promise<InfluxSink> {
    tmp = tempDir();
    const file = path.join(tmp.dir, 'citysense.db');
    const spool = openSpool(file, { rowLines: 100 });
    if (spoolFails) {
      const other = new Database(file);
      other.exec("CREATE TRIGGER spool_full BEFORE INSERT ON influx_spool BEGIN SELECT RAISE(ABORT, 'disk full'); END");
      other.close();
    }
    const url = `http://127.0.0.1:${await freePort()}`; // nothing listens: every write is refused
    sink = createInfluxSink(
      { url, bucket: 'city', maxRetries: 0, minRetryDelay: 10, timeout: 1000, closeTimeout: 100 },
      { spool, logger: captureLogger().logger },
    );
    return sink;
  }

  it('resolves once lines InfluxDB did not take are in the spool', async () => {
    const s = await open(false);
    s.writeReadings([makeReading(), makeReading({ ts: makeReading().ts + 1 })]);
    await expect(s.flush()).resolves.toBeUndefined();
    expect(s.stats()).toMatchObject({ spooled: 2, lost: 0 });
  });

  it('rejects with code dropped when the spool failed too, never resolves', async () => {
    const s = await open(true);
    s.writeReadings([makeReading(), makeReading({ ts: makeReading().ts + 1 })]);
    await expect(s.flush()).rejects.toMatchObject({ name: 'StoreError', code: 'dropped' });
    expect(s.stats()).toMatchObject({ spooled: 0, lost: 2 });
  });
});
