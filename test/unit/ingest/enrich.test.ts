import { describe, expect, it } from 'vitest';
import type { Device } from '../../../broker/index.js';
import { enrich } from '../../../ingest/enrich.js';
import { createGridLocator, squareCell } from '../../../ingest/grid.js';
import { parsePayload } from '../../../ingest/parse.js';
import { parseTopic } from '../../../ingest/topic.js';

const grid = createGridLocator({ cellSizeM: 500 });
const receivedAt = 1_700_000_000_000;

function read(topic: string, payload: unknown, device?: Device, will?: boolean) {
  const route = parseTopic(topic);
  if (!route.ok) throw new Error('bad topic');
  const body = parsePayload(route.value, Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)));
  if (!body.ok) throw new Error(JSON.stringify(body.issues));
  return enrich({ route: route.value, body: body.value, receivedAt, device, grid, will });
}

const registered: Device = {
  id: 's1',
  kind: 'sensor',
  username: 's1',
  loc: { lat: 39.9, lon: 116.4 },
  district: 'Dongcheng',
  grid: 'DC-07',
};

describe('enrich', () => {
  it('uses the receive time when ts is missing, the payload ts otherwise', () => {
    expect(read('city/sensor/s1/telemetry', { metrics: { a: 1 } }).ts).toBe(receivedAt);
    expect(read('city/sensor/s1/telemetry', { ts: 5, metrics: { a: 1 } })).toMatchObject({ ts: 5, receivedAt });
    expect(read('city/sensor/s1/telemetry', { ts: '2024-01-01T00:00:00Z', metrics: { a: 1 } }).ts).toBe(Date.UTC(2024, 0, 1));
  });

  it('takes loc, district and grid from the registry when the payload has none', () => {
    const r = read('city/sensor/s1/telemetry', { metrics: { waterLevel: 0.6 } }, registered);
    expect(r).toEqual({
      ts: receivedAt,
      receivedAt,
      deviceId: 's1',
      kind: 'sensor',
      channel: 'telemetry',
      loc: registered.loc,
      district: 'Dongcheng',
      grid: 'DC-07',
      metrics: { waterLevel: 0.6 },
      events: [],
    });
  });

  it('keeps the registry grid for a fixed device even when it reports a loc', () => {
    const r = read('city/sensor/s1/telemetry', { metrics: { a: 1 }, loc: { lat: 10, lon: 10 } }, registered);
    expect(r).toMatchObject({ loc: { lat: 10, lon: 10 }, grid: 'DC-07', district: 'Dongcheng' });
  });

  it('locates the grid from loc when the registry has none', () => {
    const r = read('city/sensor/x9/telemetry', { metrics: { a: 1 }, loc: { lat: 31.2, lon: 121.5 } });
    expect(r.grid).toBe(squareCell(31.2, 121.5, 500));
    expect(r.district).toBeUndefined();
    const partial = read(
      'city/sensor/s2/telemetry',
      { metrics: { a: 1 } },
      { id: 's2', kind: 'sensor', username: 's2', loc: { lat: 31.2, lon: 121.5 }, district: 'Pudong' },
    );
    expect(partial).toMatchObject({ district: 'Pudong', grid: squareCell(31.2, 121.5, 500) });
  });

  it('has no loc or grid when nobody knows where the device is', () => {
    const r = read('city/sensor/x9/telemetry', { metrics: { a: 1 } });
    expect(r.loc).toBeUndefined();
    expect(r.grid).toBeUndefined();
  });

  it('turns a camera event into one event, located at the camera', () => {
    const cam: Device = { id: 'c1', kind: 'camera', username: 'c1', loc: { lat: 1, lon: 2 } };
    const r = read('city/camera/c1/event', { type: 'smoke', confidence: 0.9, count: 2 }, cam);
    expect(r.events).toEqual([{ type: 'smoke', confidence: 0.9, count: 2, loc: { lat: 1, lon: 2 } }]);
    expect(r.metrics).toEqual({});
  });

  it('turns drone telemetry into metrics and one event per detection, with the drone loc as fallback', () => {
    const droneLoc = { lat: 30, lon: 120, alt: 90 };
    const r = read('city/drone/d1/telemetry', {
      loc: droneLoc,
      battery: 40,
      heading: 90,
      mission: 'patrol-3',
      detections: [
        { type: 'fire', confidence: 0.7 },
        { type: 'crowd', confidence: 0.6, loc: { lat: 30.001, lon: 120.001 } },
      ],
    });
    expect(r.metrics).toEqual({ battery: 40, heading: 90, alt: 90 });
    expect(r.mission).toBe('patrol-3');
    expect(r.events).toEqual([
      { type: 'fire', confidence: 0.7, loc: droneLoc },
      { type: 'crowd', confidence: 0.6, loc: { lat: 30.001, lon: 120.001 } },
    ]);
  });

  it('places a drone where it flies, not at its registered home', () => {
    const home: Device = { id: 'd1', kind: 'drone', username: 'd1', grid: 'HOME', district: 'Base' };
    const r = read('city/drone/d1/telemetry', { loc: { lat: 30, lon: 120, alt: 50 }, battery: 80 }, home);
    expect(r).toMatchObject({ grid: squareCell(30, 120, 500), district: 'Base' });
  });

  it('carries status', () => {
    const r = read('city/drone/d1/status', 'offline');
    expect(r).toMatchObject({ channel: 'status', status: 'offline', ts: receivedAt, metrics: {}, events: [] });
  });

  it('marks an offline the device sent itself as departed, never a fired last will or an online', () => {
    expect(read('city/sensor/s1/status', 'offline').departed).toBe(true);
    expect(read('city/sensor/s1/status', 'offline', undefined, true).departed).toBeUndefined();
    expect(read('city/sensor/s1/status', 'online').departed).toBeUndefined();
  });
});
