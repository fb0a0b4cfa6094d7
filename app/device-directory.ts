// Every device the service knows: the registry's, and every one seen publishing (anonymous ones
// too), with where it was last, when it was last heard from and whether it is online.
// observe() runs for every reading: one Map lookup and a few field writes, no allocation once a
// device is known. The number of devices is bounded; restore() refills it after a restart.
import type { Device } from '../broker/index.js';
import type { DeviceKind, Location, Reading, Status } from '../ingest/index.js';

/**
 * The last presence signal. `online`/`offline`: a status published (a last will included) or,
 * for `offline`, the MQTT connection closed; `unknown`: activity since, without a status.
 */
type Presence = 'online' | 'offline' | 'unknown';

/** What the directory keeps per device (mutated in place on the hot path). */
export interface DeviceRecord {
  id: string;
  kind: DeviceKind;
  registered: boolean;
  name?: string;
  grid?: string;
  district?: string;
  loc?: Location;
  /** When a message of it was last received (ms epoch); 0 before any. */
  lastSeen: number;
  /** The last status it published. */
  status?: Status;
  presence: Presence;
}

/** What the directory starts from, and its two tunables. */
export interface DeviceDirectoryOptions {
  registry: readonly Device[];
  clock: () => number;
  /** A device seen within this long, without a status or connection saying otherwise, is online. */
  recentMs?: number;
  /** Most devices kept besides the registered ones; beyond, the longest unseen are forgotten. */
  maxDevices?: number;
}

/** How recently a device without a status must have been heard from to count as online. */
export const DEFAULT_RECENT_MS = 5 * 60_000;
/** Unregistered devices kept at most. */
export const DEFAULT_MAX_DEVICES = 10_000;

/** The device directory behind GET /api/devices. */
export interface DeviceDirectory {
  /** A reading taken by ingest. */
  observe(r: Reading): void;
  /** An MQTT connection of this identity opened or closed. */
  connected(id: string): void;
  disconnected(id: string): void;
  /** Fill in devices from their latest stored readings (after a restart; oldest applied first); live data wins. */
  restore(latest: readonly Reading[]): void;
  /** Every device, sorted by id. */
  list(): DeviceRecord[];
  /** DESIGN rule, docs/architecture.md § HTTP API: whether this device counts as online now. */
  isOnline(d: DeviceRecord): boolean;
  /** Whether an MQTT connection of this identity is open. */
  isConnected(id: string): boolean;
  size(): number;
}

/** Build the directory, seeded with the registry. */
export function createDeviceDirectory(o: DeviceDirectoryOptions): DeviceDirectory {
  const recentMs = o.recentMs ?? DEFAULT_RECENT_MS;
  const maxDevices = o.maxDevices ?? DEFAULT_MAX_DEVICES;
  const devices = new Map<string, DeviceRecord>();
  /** Open connections per identity (a registered device may log in from several clients). */
  const connections = new Map<string, number>();
  let unregistered = 0;
  for (const d of o.registry) {
    const rec: DeviceRecord = { id: d.id, kind: d.kind, registered: true, lastSeen: 0, presence: 'unknown' };
    if (d.name !== undefined) rec.name = d.name;
    if (d.grid !== undefined) rec.grid = d.grid;
    if (d.district !== undefined) rec.district = d.district;
    if (d.loc !== undefined) rec.loc = d.loc;
    devices.set(d.id, rec);
  }

  /** Forget the tenth of the unregistered devices unseen longest: amortised, not a scan per new device. */
  const evict = () => {
    const old = [...devices.values()].filter((d) => !d.registered).sort((a, b) => a.lastSeen - b.lastSeen);
    for (const d of old.slice(0, Math.max(1, Math.ceil(maxDevices / 10)))) devices.delete(d.id);
    unregistered = [...devices.values()].filter((d) => !d.registered).length;
  };
  const add = (id: string, kind: DeviceKind): DeviceRecord => {
    if (unregistered >= maxDevices) evict();
    const rec: DeviceRecord = { id, kind, registered: false, lastSeen: 0, presence: 'unknown' };
    devices.set(id, rec);
    unregistered++;
    return rec;
  };
  const place = (d: DeviceRecord, r: Reading) => {
    // Fields one by one: this runs for every reading.
    d.kind = r.kind;
    if (r.grid !== undefined) d.grid = r.grid;
    if (r.district !== undefined) d.district = r.district;
    if (r.loc !== undefined) d.loc = r.loc;
  };

  return {
    observe(r) {
      const d = devices.get(r.deviceId) ?? add(r.deviceId, r.kind);
      place(d, r);
      if (r.receivedAt > d.lastSeen) d.lastSeen = r.receivedAt;
      if (r.status !== undefined) d.presence = d.status = r.status;
      // Publishing again after an offline: back, though it said nothing about it.
      else if (d.presence === 'offline') d.presence = 'unknown';
    },
    connected(id) {
      connections.set(id, (connections.get(id) ?? 0) + 1);
      const d = devices.get(id);
      if (d && d.presence === 'offline') d.presence = 'unknown';
    },
    disconnected(id) {
      const n = (connections.get(id) ?? 1) - 1;
      if (n > 0) return void connections.set(id, n);
      connections.delete(id);
      const d = devices.get(id);
      if (d) d.presence = 'offline';
    },
    restore(latest) {
      // Devices heard from since the start are live: what they said wins over what was stored.
      const live = new Set([...devices.values()].filter((d) => d.lastSeen > 0).map((d) => d.id));
      for (const r of [...latest].sort((a, b) => a.ts - b.ts)) {
        if (live.has(r.deviceId)) continue;
        const known = devices.get(r.deviceId);
        if (!known && unregistered >= maxDevices) continue;
        const d = known ?? add(r.deviceId, r.kind);
        place(d, r);
        // InfluxDB keeps no receive time: a device's own future ts must not keep it online.
        d.lastSeen = Math.max(d.lastSeen, Math.min(r.receivedAt, o.clock()));
        if (r.status !== undefined) d.status = r.status;
        // The connections of before the restart are gone: only a stored `offline` still says something.
        if (!connections.has(d.id)) d.presence = r.status === 'offline' ? 'offline' : 'unknown';
      }
    },
    list: () => [...devices.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)),
    isOnline(d) {
      if (d.presence !== 'unknown') return d.presence === 'online';
      return connections.has(d.id) || (d.lastSeen > 0 && o.clock() - d.lastSeen <= recentMs);
    },
    isConnected: (id) => connections.has(id),
    size: () => devices.size,
  };
}
