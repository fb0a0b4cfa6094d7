// `city/{kind}/{deviceId}/{channel}` (DESIGN § MQTT topics) → its parts.
import { DeviceId, DeviceKind, type Channel } from '../model/reading.js';
import type { Result } from './result.js';

export interface TopicRoute {
  kind: DeviceKind;
  deviceId: string;
  channel: Channel;
}

/**
 * Channels each kind publishes, from the Contracts table: sensors report telemetry,
 * cameras report events, drones report telemetry (with their detections inside); every
 * kind reports status. A camera `telemetry` or drone `event` has no schema in the
 * contract, so it is refused rather than guessed at.
 */
export const CHANNELS_OF: Readonly<Record<DeviceKind, readonly Channel[]>> = {
  sensor: ['telemetry', 'status'],
  camera: ['event', 'status'],
  drone: ['telemetry', 'status'],
};

const SHAPE = 'topic must be city/{kind}/{deviceId}/{channel}';

/** Parse a device topic; issues name the level that is wrong. */
export function parseTopic(topic: string): Result<TopicRoute> {
  const levels = topic.split('/');
  if (levels.length !== 4 || levels[0] !== 'city') {
    return { ok: false, issues: [{ path: 'topic', message: `${SHAPE}, got "${topic}"` }] };
  }
  const [, kind, deviceId, channel] = levels as [string, string, string, string];
  const kindOk = DeviceKind.safeParse(kind);
  if (!kindOk.success) {
    return { ok: false, issues: [{ path: 'topic.kind', message: `kind must be sensor, camera or drone, got "${kind}"` }] };
  }
  if (!DeviceId.safeParse(deviceId).success) {
    return { ok: false, issues: [{ path: 'topic.deviceId', message: 'deviceId must match [A-Za-z0-9_-]{1,64}' }] };
  }
  const allowed = CHANNELS_OF[kindOk.data];
  const ch = allowed.find((c) => c === channel);
  if (ch === undefined) {
    return {
      ok: false,
      issues: [{ path: 'topic.channel', message: `a ${kindOk.data} publishes on ${allowed.join(' or ')}, not "${channel}"` }],
    };
  }
  return { ok: true, value: { kind: kindOk.data, deviceId, channel: ch } };
}

/**
 * parseTopic with a memory: a device publishes on the same few topics all day, so the hot
 * path is one Map lookup. Only accepted topics are kept (a flood of bad ones cannot fill it),
 * at most `maxEntries` (then it starts over). The results are shared: callers must not modify them.
 */
export function createTopicParser(maxEntries = 50_000): (topic: string) => Result<TopicRoute> {
  const known = new Map<string, Result<TopicRoute>>();
  return (topic) => {
    const hit = known.get(topic);
    if (hit !== undefined) return hit;
    const r = parseTopic(topic);
    if (r.ok) {
      if (known.size >= maxEntries) known.clear();
      known.set(topic, r);
    }
    return r;
  };
}
