// Parsed body → Reading: timestamps, location and placement (district, grid), the numbers
// rules look at (metrics), and what was seen (events).
import type { Device } from '../broker/index.js';
import type { GridLocator } from './grid.js';
import type { Body } from './parse.js';
import type { Location, Reading, SeenEvent } from './schemas.js';
import type { TopicRoute } from './topic.js';

export interface EnrichInput {
  route: TopicRoute;
  body: Body;
  /** When the broker received the message (ms epoch). */
  receivedAt: number;
  /** The registry entry of the device, when it is registered. */
  device?: Device | undefined;
  grid: GridLocator;
}

/** Build the Reading for one accepted message. */
export function enrich({ route, body, receivedAt, device, grid }: EnrichInput): Reading {
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
  Object.assign(reading, place(route, ownLoc, loc, device, grid));

  if (body.channel === 'status') {
    reading.status = body.data;
  } else if (body.kind === 'sensor') {
    reading.metrics = body.data.metrics;
  } else if (body.kind === 'camera') {
    const { type, confidence, count, snapshot } = body.data;
    reading.events = [strip<SeenEvent>({ type, confidence, count, snapshot, loc })];
  } else {
    const d = body.data;
    reading.metrics = numbers({ battery: d.battery, speed: d.speed, heading: d.heading, alt: d.loc.alt });
    // A detection without its own position happened where the drone is.
    reading.events = (d.detections ?? []).map((x) => strip<SeenEvent>({ type: x.type, confidence: x.confidence, loc: x.loc ?? d.loc }));
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
  route: TopicRoute,
  ownLoc: Location | undefined,
  loc: Location | undefined,
  device: Device | undefined,
  grid: GridLocator,
): Pick<Reading, 'district' | 'grid'> {
  const registered = strip({ district: device?.district, grid: device?.grid });
  const mobile = route.kind === 'drone' && ownLoc !== undefined;
  if (!mobile && registered.district !== undefined && registered.grid !== undefined) return registered;
  const located = loc !== undefined ? grid.locate(loc) : undefined;
  if (located === undefined) return registered;
  return mobile ? { ...registered, ...strip(located) } : { ...strip(located), ...registered };
}

/** Drop undefined fields, so readings serialise and compare cleanly. */
function strip<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}

/** The defined numbers only: metrics hold numbers, never undefined. */
function numbers(o: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out;
}
