// The pure parts of the InfluxDB sink, no server needed: the v1 write-path mapping, the line
// encoder's timestamps, InfluxQL quoting, reading rows back, and the spool's order.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../model/reading.js';
import type { Detection } from '../../model/detection.js';
import { LINE_TIME_LIMIT_MS, authHeader, createLineEncoder, openSpool, readingsStatement, v1WritePath } from '../../store/influx/index.js';
import { seriesToReadings } from '../../store/influx/query.js';
import { MIGRATIONS, migrate } from '../../store/migrations.js';

describe('v1 write path', () => {
  it.each([
    ['/api/v2/write?org=&bucket=city&precision=us', 'city', '/write?db=city&precision=u'],
    ['/api/v2/write?org=o&bucket=x&precision=ns', 'city/autogen', '/write?db=city&rp=autogen&precision=n'],
    ['/api/v2/write?org=o&bucket=x&precision=ms', 'city/one week', '/write?db=city&rp=one+week&precision=ms'],
    ['/api/v2/write?org=o&bucket=x&precision=s&consistency=all', 'city', '/write?db=city&precision=s&consistency=all'],
    ['/query?db=city&q=SELECT', 'city', '/query?db=city&q=SELECT'],
  ])('%s with bucket %s → %s', (path, bucket, expected) => {
    expect(v1WritePath(path, bucket)).toBe(expected);
  });

  it('sends user:password as Basic auth to 1.x and a token as Token', () => {
    expect(authHeader('v1', 'ops:secret')).toEqual({ authorization: `Basic ${Buffer.from('ops:secret').toString('base64')}` });
    expect(authHeader('v2', 'tok:en')).toEqual({ authorization: 'Token tok:en' });
    expect(authHeader('v1')).toEqual({});
  });
});

const reading = (over: Partial<Reading> = {}): Reading => ({
  ts: 1_700_000_000_123,
  receivedAt: 1_700_000_000_200,
  deviceId: 's-1',
  kind: 'sensor',
  channel: 'telemetry',
  metrics: { waterLevel: 0.5 },
  events: [],
  ...over,
});

describe('line encoder', () => {
  it('writes µs timestamps and keeps two values of one series in one ms apart', () => {
    const enc = createLineEncoder();
    const a = enc.reading(reading({ metrics: { waterLevel: 0.5 } }));
    const b = enc.reading(reading({ metrics: { waterLevel: 0.6 } }));
    const other = enc.reading(reading({ deviceId: 's-2' }));
    expect(a).toEqual(['telemetry,device=s-1,kind=sensor waterLevel=0.5 1700000000123000']);
    expect(b).toEqual(['telemetry,device=s-1,kind=sensor waterLevel=0.6 1700000000123001']);
    expect(other[0]).toMatch(/ 1700000000123000$/);
  });

  it('escapes tags and keeps string fields on one line', () => {
    const enc = createLineEncoder();
    const [line] = enc.reading(reading({ grid: 'G 1,2=3', kind: 'drone', metrics: { battery: 80 }, mission: 'a "b"\nc' }));
    expect(line).toBe('drone_position,device=s-1,grid=G\\ 1\\,2\\=3,kind=drone battery=80,mission="a \\"b\\" c" 1700000000123000');
  });
});

describe('line encoder: values line protocol cannot carry', () => {
  const encoder = () => {
    const invalid: Array<{ measurement: string; reason: string }> = [];
    return { enc: createLineEncoder({ onInvalid: (p) => invalid.push(p) }), invalid };
  };

  it.each([
    ['1e300', 1e300],
    ['NaN', Number.NaN],
    ['one ms past the limit', LINE_TIME_LIMIT_MS + 1],
    ['one ms before minus the limit', -LINE_TIME_LIMIT_MS - 1],
  ])('leaves out a reading at %s and reports it, then encodes the next one', (_name, ts) => {
    const { enc, invalid } = encoder();
    expect(enc.reading(reading({ ts, events: [{ type: 'smoke', confidence: 0.9 }] }))).toEqual([]);
    expect(invalid).toEqual([
      { measurement: 'telemetry', reason: expect.stringContaining('outside') },
      { measurement: 'event', reason: expect.stringContaining('outside') },
    ]);
    expect(enc.reading(reading())).toEqual(['telemetry,device=s-1,kind=sensor waterLevel=0.5 1700000000123000']);
  });

  it('encodes exactly at the limits, as exact integers', () => {
    const { enc, invalid } = encoder();
    expect(enc.reading(reading({ ts: LINE_TIME_LIMIT_MS }))[0]).toMatch(new RegExp(` ${LINE_TIME_LIMIT_MS}000$`));
    expect(enc.reading(reading({ ts: -LINE_TIME_LIMIT_MS }))[0]).toMatch(new RegExp(` -${LINE_TIME_LIMIT_MS}000$`));
    expect(LINE_TIME_LIMIT_MS * 1000 + 999).toBeLessThanOrEqual(Number.MAX_SAFE_INTEGER);
    expect(invalid).toEqual([]);
  });

  it('leaves out a point with a field the client refuses, and keeps a detection whose reading time is broken (without reading_ts)', () => {
    const { enc, invalid } = encoder();
    expect(enc.reading(reading({ metrics: { waterLevel: Number.NaN } }))).toEqual([]);
    expect(invalid).toEqual([{ measurement: 'telemetry', reason: expect.stringContaining('waterLevel') }]);
    const d: Detection = {
      id: 'd1',
      ts: 1_700_000_000_000,
      phase: 'raise',
      ruleId: 'r',
      ruleVersion: 1,
      ruleName: 'r',
      ruleKind: 'event',
      severity: 'red',
      category: 'fire',
      dedupKey: 'r:c',
      deviceId: 'c',
      deviceKind: 'camera',
      message: 'fire',
      readingTs: 1e300,
    };
    const [line] = enc.detection(d);
    expect(line).toMatch(/^detection,/);
    expect(line).not.toContain('reading_ts');
    expect(enc.detection({ ...d, ts: 1e300 })).toEqual([]);
    expect(invalid.at(-1)).toEqual({ measurement: 'detection', reason: expect.stringContaining('outside') });
  });
});

describe('InfluxQL', () => {
  it('quotes literals so a value cannot end the string', () => {
    const q = readingsStatement({ deviceIds: ["a'b", 'c'], grid: 'g\\', from: 1000, to: 2000 }, 10);
    expect(q).toBe(
      `SELECT * FROM "telemetry","drone_position","event","device_status" WHERE time >= 1000ms AND time <= 2000ms AND ("device" = 'a\\'b' OR "device" = 'c') AND "grid" = 'g\\\\' ORDER BY time ASC LIMIT 10`,
    );
  });

  it('rebuilds readings from rows of each measurement', () => {
    const cols = ['time', 'device', 'kind', 'grid', 'loc_lat', 'loc_lon', 'waterLevel'];
    expect(seriesToReadings({ name: 'telemetry', columns: cols, values: [[1_000_999, 's-1', 'sensor', 'G', 31, 121, 0.4]] })).toEqual([
      {
        ts: 1000,
        receivedAt: 1000,
        deviceId: 's-1',
        kind: 'sensor',
        channel: 'telemetry',
        grid: 'G',
        loc: { lat: 31, lon: 121 },
        metrics: { waterLevel: 0.4 },
        events: [],
      },
    ]);
    const [ev] = seriesToReadings({
      name: 'event',
      columns: ['time', 'device', 'kind', 'type', 'confidence', 'count'],
      values: [[2000, 'c-1', 'camera', 'smoke', 0.9, 3]],
    });
    expect(ev).toMatchObject({ channel: 'event', events: [{ type: 'smoke', confidence: 0.9, count: 3 }] });
  });
});

describe('spool', () => {
  it('keeps batches in order, split by rowLines, and counts its depth', () => {
    const spool = openSpool(':memory:', { rowLines: 2 });
    spool.append(['a 1', 'b 2', 'c 3']);
    spool.append(['d 4']);
    expect(spool.depth()).toBe(4);
    const first = spool.oldest()!;
    expect(first.lines).toEqual(['a 1', 'b 2']);
    spool.remove(first.id);
    expect(spool.oldest()!.lines).toEqual(['c 3']);
    expect(spool.depth()).toBe(2);
    spool.close();
  });

  it('gets its table on a database that passed version 3 before the spool existed', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'citysense-spool-')), 'citysense.db');
    const db = new Database(file);
    const later = MIGRATIONS.filter((m) => m.version !== 3);
    migrate(db, later);
    expect(db.pragma('user_version', { simple: true })).toBe(later[later.length - 1]!.version);
    db.close();
    const spool = openSpool(file, { rowLines: 10 });
    spool.append(['x v=1 1']);
    expect(spool.depth()).toBe(1);
    spool.close();
  });
});
