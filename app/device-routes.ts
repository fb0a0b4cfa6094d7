// GET /api/devices and GET /api/telemetry (DESIGN.md § HTTP API): the device list with each
// device's open incidents, and one device's telemetry downsampled into buckets.
import { z } from 'zod';
import { type Incident, type Principal, type Route, errorReply, inScope } from '../alerts/index.js';
import { DeviceKind } from '../ingest/index.js';
import { StoreError, type TelemetryReader } from '../store/index.js';
import type { DeviceDirectory, DeviceRecord } from './device-directory.js';
import { parseTelemetryParams, queryIssues } from './telemetry-params.js';

/** Ids listed per device; the count is always whole. */
const MAX_INCIDENT_IDS = 20;

const Flag = z.enum(['true', 'false'], { error: 'expected true or false' }).transform((s) => s === 'true');
/** The filters of GET /api/devices; unknown parameters are refused (`token`: browsers authenticate with it). */
const DeviceFilter = z.strictObject({
  kind: DeviceKind.optional(),
  grid: z.string().min(1).max(128).optional(),
  district: z.string().min(1).max(128).optional(),
  online: Flag.optional(),
  token: z.string().optional(),
});

/** The directory, the time-series store and the incident store behind the two routes. */
export interface DeviceRouteDeps {
  devices: DeviceDirectory;
  reader: TelemetryReader;
  /** Every open incident (warning…resolved). */
  openIncidents: () => Incident[];
  clock: () => number;
}

/** The open incidents a caller may see, newest first, by device. */
function incidentsByDevice(open: Incident[], principal: Principal | undefined): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const i of open.sort((a, b) => b.createdAt - a.createdAt)) {
    if (i.deviceId === undefined || !inScope(principal, i.department)) continue;
    const ids = out.get(i.deviceId);
    if (ids) ids.push(i.id);
    else out.set(i.deviceId, [i.id]);
  }
  return out;
}

/** Routes of the device list and the telemetry series. */
export function deviceRoutes({ devices, reader, openIncidents, clock }: DeviceRouteDeps): Route[] {
  const view = (d: DeviceRecord, incidents: string[]) => ({
    id: d.id,
    kind: d.kind,
    ...(d.name !== undefined ? { name: d.name } : {}),
    registered: d.registered,
    grid: d.grid ?? null,
    district: d.district ?? null,
    loc: d.loc ?? null,
    lastSeen: d.lastSeen > 0 ? new Date(d.lastSeen).toISOString() : null,
    online: devices.isOnline(d),
    connected: devices.isConnected(d.id),
    status: d.status ?? null,
    openIncidents: { count: incidents.length, ids: incidents.slice(0, MAX_INCIDENT_IDS) },
  });
  return [
    {
      method: 'GET',
      path: '/api/devices',
      handler: ({ query, principal }) => {
        const f = DeviceFilter.safeParse(Object.fromEntries(query));
        if (!f.success) return errorReply(400, 'bad_query', 'invalid query', queryIssues(f.error));
        const { kind, grid, district, online } = f.data;
        const byDevice = incidentsByDevice(openIncidents(), principal);
        const list = devices
          .list()
          .filter(
            (d) =>
              (kind === undefined || d.kind === kind) &&
              (grid === undefined || d.grid === grid) &&
              (district === undefined || d.district === district),
          )
          .filter((d) => online === undefined || devices.isOnline(d) === online)
          .map((d) => view(d, byDevice.get(d.id) ?? []));
        return { status: 200, body: { count: list.length, devices: list } };
      },
    },
    {
      method: 'GET',
      path: '/api/telemetry',
      handler: async ({ query }) => {
        const p = parseTelemetryParams(query, clock());
        if (!p.ok) return errorReply(400, 'bad_query', 'invalid query', p.issues);
        const q = p.value;
        // A device without data in the window (or never seen) answers empty series, not 404:
        // the store is the truth, and the bounded directory may have forgotten a quiet device.
        let series;
        try {
          series = await reader.series(q);
        } catch (err) {
          // InfluxDB away or refusing: the service is fine, its time-series store is not.
          if (err instanceof StoreError)
            return errorReply(503, 'store_unavailable', `telemetry could not be read from ${reader.name}: ${err.message}`);
          throw err;
        }
        return {
          status: 200,
          body: {
            device: q.deviceId,
            ...(q.metric !== undefined ? { metric: q.metric } : {}),
            from: new Date(q.from).toISOString(),
            to: new Date(q.to).toISOString(),
            step: q.stepMs,
            series,
          },
        };
      },
    },
  ];
}
