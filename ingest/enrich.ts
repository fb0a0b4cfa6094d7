// Parsed body → Reading: timestamps, location and placement (district, grid), the numbers
// rules look at (metrics), and what was seen (events).
import type { Device } from '../broker/index.js';
import type { GridLocator } from './grid.js';
import type { Body } from './parse.js';
import type { Location, Reading, SeenEvent } from '../model/reading.js';
import type { TopicRoute } from './topic.js';

export interface EnrichInput {
  route: TopicRoute;
  body: Body;
  /** When the broker received the message (ms epoch). */
  receivedAt: number;
  /** The registry entry of the device, when it is registered. */
  device?: Device | undefined;
  grid: GridLocator;
  /** The broker published this message as the device's last will (its connection was lost). */
  will?: boolean;
}

/** Build the Reading for one accepted message. */
export function enrich({ route, body, receivedAt, device, grid, will }: EnrichInput): Reading {
  const ownLoc = body.channel === 'status' ? undefined : body.data.loc;
  // DESIGN: "Location falls back to the device registry".
  const loc: Location | undefined = ownLoc ?? device?.loc;
  const reading: Reading = {
    // DESIGN: "Missing ts means the broker's receive time".
    ts: (body.channel === 'status' ? undefined : body.data.ts) ?? receivedAt,
    receivedAt,
    deviceId: route.deviceId,
    kind: route.kind,
    channel: route.channel,
    metrics: {},
    events: [],
  };
  if (loc !== undefined) reading.loc = loc;
  place(reading, route, ownLoc, loc, device, grid);

  // Fields are set one by one (no spread or Object.entries): this runs for every message.
  if (body.channel === 'status') {
    reading.status = body.data;
    // Only the broker publishes a last will; an `offline` the device sent itself is a goodbye.
    if (body.data === 'offline' && will !== true) reading.departed = true;
  } else if (body.kind === 'sensor') {
    reading.metrics = body.data.metrics;
  } else if (body.kind === 'camera') {
    const { type, confidence, count, snapshot } = body.data;
    const seen: SeenEvent = { type, confidence };
    if (count !== undefined) seen.count = count;
    if (snapshot !== undefined) seen.snapshot = snapshot;
    if (loc !== undefined) seen.loc = loc;
    reading.events = [seen];
  } else {
    const d = body.data;
    const m: Record<string, number> = { battery: d.battery };
    if (d.speed !== undefined) m.speed = d.speed;
    if (d.heading !== undefined) m.heading = d.heading;
    m.alt = d.loc.alt;
    reading.metrics = m;
    // A detection without its own position happened where the drone is.
    if (d.detections !== undefined && d.detections.length > 0) {
      reading.events = d.detections.map((x): SeenEvent => ({ type: x.type, confidence: x.confidence, loc: x.loc ?? d.loc }));
    }
    if (d.mission !== undefined) reading.mission = d.mission;
  }
  return reading;
}

/**
 * District and grid. For fixed devices (sensors, cameras) the registry's assignment wins —
 * it is the city's own bookkeeping — and the locator fills what it lacks. A drone moves,
 * so where it reports being wins over its registered home; the registry is the fallback.
 */
function place(
  reading: Reading,
  route: TopicRoute,
  ownLoc: Location | undefined,
  loc: Location | undefined,
  device: Device | undefined,
  grid: GridLocator,
): void {
  let district = device?.district;
  let cell = device?.grid;
  const mobile = route.kind === 'drone' && ownLoc !== undefined;
  if (mobile || district === undefined || cell === undefined) {
    const located = loc !== undefined ? grid.locate(loc) : undefined;
    if (located !== undefined) {
      if (mobile) {
        district = located.district ?? district;
        cell = located.grid;
      } else {
        district ??= located.district;
        cell ??= located.grid;
      }
    }
  }
  if (district !== undefined) reading.district = district;
  if (cell !== undefined) reading.grid = cell;
}
