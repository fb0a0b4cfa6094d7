// The device directory: registry and seen devices, the online rule, the bound, and restoring
// from stored readings without overriding live data.
import { describe, expect, it } from 'vitest';
import { createDeviceDirectory } from '../../../app/device-directory.js';
import type { Device } from '../../../broker/index.js';
import type { Reading } from '../../../ingest/index.js';

const T0 = Date.UTC(2026, 0, 10, 12, 0, 0);
const reading = (deviceId: string, at: number, extra: Partial<Reading> = {}): Reading => ({
  ts: at,
  receivedAt: at,
  deviceId,
  kind: 'sensor',
  channel: 'telemetry',
  metrics: { x: 1 },
  events: [],
  ...extra,
});
const REGISTRY: Device[] = [{ id: 'reg-1', kind: 'camera', username: 'reg-1', grid: 'G-1', district: 'd-1', loc: { lat: 1, lon: 2 } }];

function setup(opts: { maxDevices?: number } = {}) {
  let now = T0;
  const dir = createDeviceDirectory({ registry: REGISTRY, clock: () => now, recentMs: 60_000, ...opts });
  const online = (id: string) => dir.isOnline(dir.list().find((d) => d.id === id)!);
  return { dir, online, at: (t: number) => (now = t) };
}

describe('device directory', () => {
  it('lists registered devices before they publish, and seen ones with their latest placement', () => {
    const { dir, online } = setup();
    dir.observe(reading('anon-1', T0, { grid: 'G-9', district: 'd-9', loc: { lat: 3, lon: 4 } }));
    dir.observe(reading('anon-1', T0 + 10, { grid: 'G-8' }));
    expect(dir.list()).toEqual([
      {
        id: 'anon-1',
        kind: 'sensor',
        registered: false,
        grid: 'G-8',
        district: 'd-9',
        loc: { lat: 3, lon: 4 },
        lastSeen: T0 + 10,
        presence: 'unknown',
      },
      {
        id: 'reg-1',
        kind: 'camera',
        registered: true,
        grid: 'G-1',
        district: 'd-1',
        loc: { lat: 1, lon: 2 },
        lastSeen: 0,
        presence: 'unknown',
      },
    ]);
    expect(online('reg-1')).toBe(false);
    expect(online('anon-1')).toBe(true);
  });

  it('online: a status wins until the next signal; recent activity without status counts; a closed connection is offline', () => {
    const { dir, online, at } = setup();
    dir.observe(reading('s-1', T0));
    at(T0 + 60_001);
    expect(online('s-1')).toBe(false); // quiet longer than recentMs
    dir.connected('s-1');
    expect(online('s-1')).toBe(true); // connected, though quiet
    dir.observe(reading('s-1', T0 + 60_001, { channel: 'status', status: 'offline', metrics: {} }));
    expect(online('s-1')).toBe(false); // said offline while still connected
    dir.observe(reading('s-1', T0 + 60_002, { channel: 'status', status: 'online', metrics: {} }));
    at(T0 + 10 * 60_000);
    expect(online('s-1')).toBe(true); // said online, connection open
    dir.connected('s-1'); // a second client of the same identity
    dir.disconnected('s-1');
    expect(online('s-1')).toBe(true);
    dir.disconnected('s-1');
    expect(online('s-1')).toBe(false);
    dir.observe(reading('s-1', T0 + 10 * 60_000));
    expect(online('s-1')).toBe(true); // publishing again
  });

  it('forgets the longest-unseen unregistered devices beyond the bound, never registered ones', () => {
    const { dir } = setup({ maxDevices: 10 });
    for (let i = 0; i < 12; i++) dir.observe(reading(`d-${String(i).padStart(2, '0')}`, T0 + i));
    const ids = dir.list().map((d) => d.id);
    expect(ids).toContain('reg-1');
    expect(ids).toContain('d-11');
    expect(ids).not.toContain('d-00');
    expect(dir.size()).toBeLessThanOrEqual(11);
  });

  it('restores from stored readings: fills unknown devices, keeps newer live data, keeps a stored offline', () => {
    const { dir, online, at } = setup();
    dir.observe(reading('live-1', T0 + 100, { grid: 'G-live' }));
    at(T0 + 100);
    dir.restore([
      reading('future-1', T0 + 3_600_000), // a device clock ahead: seen now at the latest
      reading('live-1', T0, { grid: 'G-old' }),
      reading('gone-1', T0 + 50, { channel: 'status', status: 'offline', metrics: {}, grid: 'G-2' }),
      reading('reg-1', T0 + 60, { kind: 'camera', grid: 'G-1b' }),
      reading('gone-2', T0 + 20, { channel: 'status', status: 'offline', metrics: {} }), // newest, unplaced
      reading('gone-2', T0 + 10, { grid: 'G-3', loc: { lat: 5, lon: 6 } }),
    ]);
    const byId = Object.fromEntries(dir.list().map((d) => [d.id, d]));
    expect(byId['live-1']).toMatchObject({ grid: 'G-live', lastSeen: T0 + 100 });
    expect(byId['gone-1']).toMatchObject({ grid: 'G-2', lastSeen: T0 + 50, status: 'offline' });
    expect(byId['reg-1']).toMatchObject({ grid: 'G-1b', lastSeen: T0 + 60, registered: true });
    expect(byId['gone-2']).toMatchObject({
      grid: 'G-3',
      loc: { lat: 5, lon: 6 },
      lastSeen: T0 + 20,
      status: 'offline',
      presence: 'offline',
    });
    expect(byId['future-1']).toMatchObject({ lastSeen: T0 + 100 });
    expect(online('gone-1')).toBe(false);
    expect(online('reg-1')).toBe(true); // seen 40 ms ago
  });
});
