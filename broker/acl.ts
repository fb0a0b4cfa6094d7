// Who may publish and subscribe where: pure decisions, wired into aedes by broker.ts.
import type { PublishPacket } from 'aedes';
import { DeviceKind } from '../model/reading.js';
import type { Device } from './registry.js';
import type { Issue, RejectReason } from './rejection.js';
import { REJECTED_PREFIX } from './rejection.js';

/** Who a connected client is: its registry id when registered, else its MQTT client id. */
export interface Identity {
  id: string;
  /** Present when the client logged in as a registered device. */
  device?: Device;
}

export interface PublishRefusal {
  reason: RejectReason;
  issues: Issue[];
  /** The kind under which the refusal is reported (`unknown` when neither topic nor registry says). */
  kind: string;
}

/** Topic that refused publishes are rewritten to; nobody can subscribe to it, nothing forwards it. */
export const DROP_TOPIC = '$citysense/dropped';

const DEVICE_KINDS: ReadonlySet<string> = new Set(DeviceKind.options);

// Module-level rather than a closure: decidePublish runs for every publish.
function refuse(kind: string, reason: RejectReason, message: string): PublishRefusal {
  return { reason, kind, issues: [{ path: 'topic', message }] };
}

/** Decide whether `identity` may publish on `topic`; undefined means allowed. */
export function decidePublish(identity: Identity, topic: string): PublishRefusal | undefined {
  const levels = topic.split('/');
  // Runs for every publish: a Set lookup, not a schema parse.
  const topicKind = levels[1] !== undefined && DEVICE_KINDS.has(levels[1]) ? levels[1] : undefined;
  const kind = identity.device?.kind ?? topicKind ?? 'unknown';

  // Only the service speaks on citysense/# (refusals) and aedes on $SYS/#.
  if (topic.startsWith('$') || levels[0] === 'citysense') {
    return refuse(kind, 'reserved_topic', `${levels[0]}/… is reserved for the service`);
  }
  if (topic.includes('+') || topic.includes('#')) {
    return refuse(kind, 'bad_topic', 'wildcards are not allowed in a publish topic');
  }
  if (levels[0] !== 'city') {
    return refuse(kind, 'reserved_topic', `devices may publish only under city/{kind}/${identity.id}/…`);
  }
  if (topicKind === undefined || levels.length < 4) {
    return refuse(kind, 'bad_topic', 'topic must be city/{sensor|camera|drone}/{deviceId}/{channel}');
  }
  if (levels[2] !== identity.id) {
    return refuse(kind, 'not_own_topic', `client "${identity.id}" may not publish as device "${levels[2]}"`);
  }
  if (identity.device !== undefined && identity.device.kind !== topicKind) {
    return refuse(kind, 'not_own_topic', `device "${identity.id}" is registered as ${identity.device.kind}, not ${topicKind}`);
  }
  return undefined;
}

/**
 * Decide whether `identity` may subscribe with `filter`.
 *
 * Policy: a client that logs in as a registered device gets its own topics only —
 * `city/{kind}/{id}/#` and `citysense/rejected/{kind}/{id}` — plus the filters listed in
 * its registry entry's `subscribe` (that is how a dashboard or Node-RED login gets
 * `city/#`). Anonymous clients exist only when anonymous mode is on (demo, development);
 * they may subscribe to anything, because the operators' tools (mosquitto_sub, MQTT
 * Explorer) connect that way and need `city/#` and `citysense/rejected/#`. In production
 * anonymous mode is off and every subscriber is a registry entry.
 */
export function decideSubscribe(identity: Identity, filter: string): boolean {
  if (filter.startsWith('$citysense')) return false;
  const device = identity.device;
  if (device === undefined) return true;
  const allowed = [`city/${device.kind}/${device.id}/#`, `${REJECTED_PREFIX}/${device.kind}/${device.id}`, ...(device.subscribe ?? [])];
  return allowed.some((pattern) => filterCovers(pattern, filter));
}

/** True when every topic matched by `filter` is also matched by `pattern` (MQTT wildcards). */
export function filterCovers(pattern: string, filter: string): boolean {
  const p = pattern.split('/');
  const f = filter.split('/');
  for (let i = 0; i < p.length; i++) {
    const pl = p[i];
    const fl = f[i];
    if (pl === '#') return true;
    if (fl === undefined) return false;
    if (fl === '#') return false;
    if (pl === '+') continue;
    if (pl !== fl || fl === '+') return false;
  }
  // A longer filter reaches below the pattern (`a/b/#` does cover `a/b`: handled above).
  return f.length === p.length;
}

/** The kind named by a topic, for reporting a refusal of an anonymous device. */
export function kindOf(topic: string): string {
  const kind = topic.split('/')[1];
  return kind === 'sensor' || kind === 'camera' || kind === 'drone' ? kind : 'unknown';
}

/**
 * Neutralise a refused publish. aedes' authorizePublish can only accept or close the
 * connection; to drop one packet and keep the client, the packet is redirected to a
 * `$`-topic that wildcard subscriptions never match [MQTT-4.7.2-1], that nobody may
 * subscribe to, and that authorizeForward never forwards; retain is cleared so nothing is stored.
 */
export function drop(packet: PublishPacket): void {
  packet.topic = DROP_TOPIC;
  packet.retain = false;
  packet.payload = Buffer.alloc(0);
}
