// The embedded MQTT broker: aedes with the registry for authentication and the ACL of
// acl.ts for publish/subscribe, on TCP and WebSocket.
import { Aedes, type AuthenticateError, type Client, type PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import { z } from 'zod';
import { DeviceId } from '../model/reading.js';
import { type AckGate, createAckHold } from './ack-gate.js';
import { createWillTracker } from './departure.js';
import { DROP_TOPIC, decidePublish, decideSubscribe, drop, kindOf, type Identity } from './acl.js';
import { BrokerLimits, capPacketSize, createPublishGate, createTokenBuckets, remoteAddressOf } from './limits.js';
import { createRateHold } from './rate-hold.js';
import { boundSessionQueues, type OutgoingPersistence } from './session-queue.js';
import type { Registry } from './registry.js';
import { publishRejection, type Issue, type RejectReason } from './rejection.js';
import { createTransports } from './transports.js';

export const BrokerConfig = z.object({
  mqttPort: z.number().int().min(0).max(65535).default(1883),
  wsPort: z.number().int().min(0).max(65535).default(8083),
  host: z.string().min(1).default('0.0.0.0'),
  wsPath: z.string().startsWith('/').default('/mqtt'),
  /** Largest WebSocket frame accepted; MQTT payloads above 64 KiB are refused by ingest anyway. */
  wsMaxPayload: z
    .number()
    .int()
    .positive()
    .default(1024 * 1024),
  allowAnonymous: z.boolean().default(false),
  /**
   * What happens to a device's publish the ACL refuses. `drop` (default): the packet is
   * discarded and the client stays connected (MQTT 3.1.1 cannot tell a QoS 0 publisher, so
   * the reason goes to citysense/rejected/…). `disconnect`: aedes' own way, the connection is closed.
   */
  denyAction: z.enum(['drop', 'disconnect']).default('drop'),
  /** Rate, size and overload limits (broker/limits.ts has the defaults). */
  limits: BrokerLimits.prefault({}),
  /** PEM certificate and key: MQTT over TLS on mqttPort and WSS on wsPort instead of plain (broker/tls.ts). */
  tls: z.object({ cert: z.instanceof(Buffer), key: z.instanceof(Buffer) }).optional(),
});
export type BrokerConfigInput = z.input<typeof BrokerConfig>;

export interface BrokerDeps {
  registry: Registry;
  logger: Logger;
}

/** A publish the ACL refused, as handed to `onRefused` listeners (ingest dead-letters them). */
export interface BrokerRefusal {
  ts: number;
  topic: string;
  clientId: string;
  identity: string;
  kind: string;
  reason: RejectReason;
  issues: Issue[];
}

export interface BrokerStats {
  connectsRefused: number;
  publishesRefused: number;
  subscribesRefused: number;
  /** Connections refused because their source IP connected too often (also in connectsRefused). */
  connectsRateLimited: number;
  /** Publishes slowed by the device rate limit: held until a token, then let through (never refused). */
  publishesRateLimited: number;
  /** Publishes waiting for their device's rate right now (their sockets are not read meanwhile). */
  publishesRateWaiting: number;
  /** Connections closed for announcing a packet above limits.maxPacketBytes. */
  packetsTooLarge: number;
  /** Publishes held while aedes' emitter was backed up (their sockets were not read meanwhile). */
  publishesHeld: number;
  /** Publishes shed by the full publish gate: QoS 0 refused `overloaded`, QoS 1/2 unacknowledged. */
  publishesShed: number;
  /** Connections closed without an ack because a QoS 1/2 publish was shed (the device sends it again). */
  overloadCloses: number;
  /** Publishes held right now. */
  publishesWaiting: number;
  /** QoS 1/2 publishes left unacknowledged because the ack gate failed (the connection was closed). */
  acksWithheld: number;
  /** QoS 1/2 messages for persistent sessions not kept because the session's queue was full. */
  sessionQueueDropped: number;
  /** QoS 1/2 messages kept for persistent sessions and not yet acknowledged. */
  sessionQueued: number;
}

export interface CitysenseBroker {
  aedes: Aedes;
  /** Start listening; port 0 picks free ports, the real ones are returned. */
  start(): Promise<{ mqttPort: number; wsPort: number }>;
  close(): Promise<void>;
  /** The identity a connected client authenticated as (undefined for internal publishes). */
  identityOf(client: Client | null | undefined): Identity | undefined;
  /** Whether the broker published this client's last will: its connection was lost, it did not say goodbye. */
  willFired(client: Client): boolean;
  /** Listen to ACL refusals of publishes; returns the function that stops listening. */
  onRefused(listener: (refusal: BrokerRefusal) => void): () => void;
  stats(): BrokerStats;
  /** Set (or clear) the gate QoS 1/2 acknowledgements wait for (the service: "stored"). */
  setAckGate(gate: AckGate | undefined): void;
}

function authError(returnCode: 2 | 3 | 4 | 5, message: string): AuthenticateError {
  // 2 identifier rejected, 3 server unavailable, 4 bad username or password, 5 not authorized (MQTT 3.1.1 §3.2.2.3).
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/** Create the broker (not yet listening) with authentication and ACL from the registry. */
export async function createBroker(options: BrokerConfigInput & BrokerDeps): Promise<CitysenseBroker> {
  const config = BrokerConfig.parse(options);
  const { registry } = options;
  const log = options.logger.child({ stage: 'broker' });
  const identities = new WeakMap<Client, Identity>();
  const wills = createWillTracker();
  const listeners = new Set<(refusal: BrokerRefusal) => void>();
  const counts = {
    connectsRefused: 0,
    publishesRefused: 0,
    subscribesRefused: 0,
    connectsRateLimited: 0,
    packetsTooLarge: 0,
    overloadCloses: 0,
  };
  const acks = createAckHold(log);
  const limits = config.limits;
  const rateHold = createRateHold(createTokenBuckets(limits.messagesPerSecond, limits.messageBurst));
  const ipBuckets = createTokenBuckets(limits.connectionsPerMinute / 60, limits.connectionBurst);
  // One overloaded notice per device per second: a flood must not become a flood of notices.
  const notices = createTokenBuckets(1, 1);

  const refuseConnect = (client: Client, err: AuthenticateError, done: (e: AuthenticateError, ok: false) => void) => {
    counts.connectsRefused++;
    log.warn({ clientId: client.id, returnCode: err.returnCode }, `connection refused: ${err.message}`);
    done(err, false);
  };

  const refusePublish = (
    client: Client,
    identity: Identity,
    packet: PublishPacket,
    reason: RejectReason,
    kind: string,
    issues: Issue[],
  ) => {
    counts.publishesRefused++;
    const refusal: BrokerRefusal = {
      ts: Date.now(),
      topic: packet.topic,
      clientId: client.id,
      identity: identity.id,
      kind,
      reason,
      issues,
    };
    log.debug(refusal, 'publish refused');
    // The refusal goes to the publisher's own rejection topic: it is the one that can act on
    // it and the one allowed to subscribe there; a victim's topic would be writable by anyone.
    const flood = reason === 'rate_limited' || reason === 'overloaded';
    if (!flood || notices.take(identity.id)) publishRejection(aedes, kind, identity.id, { topic: packet.topic, reason, issues });
    for (const listener of listeners) {
      try {
        listener(refusal);
      } catch (err) {
        log.error({ err }, 'refusal listener failed');
      }
    }
  };

  const aedes: Aedes = await Aedes.createBroker({
    authenticate(client, username, password, done) {
      // Before any scrypt: a source that reconnects in a loop must not buy CPU with it.
      if (!ipBuckets.take(remoteAddressOf(client))) {
        counts.connectsRateLimited++;
        return refuseConnect(client, authError(3, `too many connections from ${remoteAddressOf(client)}: retry later`), done);
      }
      if (username !== undefined) {
        registry.authenticate(username, password ?? Buffer.alloc(0)).then(
          (device) => {
            if (device === undefined) return refuseConnect(client, authError(4, `bad username or password for "${username}"`), done);
            identities.set(client, { id: device.id, device });
            done(null, true);
          },
          (err: unknown) => refuseConnect(client, authError(5, `authentication failed: ${String(err)}`), done),
        );
        return;
      }
      if (password !== undefined) return refuseConnect(client, authError(4, 'password without username'), done);
      if (!config.allowAnonymous) return refuseConnect(client, authError(5, 'anonymous clients are not allowed'), done);
      if (!DeviceId.safeParse(client.id).success) {
        return refuseConnect(client, authError(2, 'anonymous client id must match [A-Za-z0-9_-]{1,64}'), done);
      }
      // Otherwise an anonymous client could take a registered device's identity.
      if (registry.isClaimed(client.id)) {
        return refuseConnect(client, authError(5, `"${client.id}" is a registered device: log in with its credentials`), done);
      }
      identities.set(client, { id: client.id });
      done(null, true);
    },

    authorizePublish(client, packet, callback) {
      wills.note(client, packet);
      // client is null only for a will left behind by a broker of a cluster that died;
      // ingest ignores those, so only the reserved namespaces need guarding here.
      if (client === null) {
        if (packet.topic.startsWith('$') || packet.topic.startsWith('citysense/')) drop(packet);
        return callback(null);
      }
      const identity = identities.get(client);
      const refusal = identity === undefined ? undefined : decidePublish(identity, packet.topic);
      if (identity !== undefined && refusal === undefined) {
        // Above its rate a publish waits (rate-hold.ts), then held publishes keep their order and
        // their socket unread (aedes reads the next chunk after the callback).
        return rateHold.pass(client, identity.id, () => {
          if (gate.pass(() => acks.release(client, packet, callback))) return;
          // An ack means stored: a shed QoS 1/2 publish closes the connection unacknowledged, and the device sends it again.
          if (packet.qos > 0) {
            counts.overloadCloses++;
            return callback(new Error(`broker overloaded: QoS ${packet.qos} publish not acknowledged`));
          }
          const issues = [{ path: 'broker', message: `broker overloaded: more than ${limits.maxHeldPublishes} publishes waiting` }];
          refusePublish(client, identity, packet, 'overloaded', identity.device?.kind ?? kindOf(packet.topic), issues);
          drop(packet);
          callback(null);
        });
      }
      const who = identity ?? { id: client.id };
      refusePublish(
        client,
        who,
        packet,
        refusal?.reason ?? 'internal',
        refusal?.kind ?? 'unknown',
        refusal?.issues ?? [{ path: 'client', message: 'client has no identity' }],
      );
      if (config.denyAction === 'disconnect') return callback(new Error(`publish to ${packet.topic} refused`));
      drop(packet);
      callback(null);
    },

    authorizeSubscribe(client, subscription, callback) {
      const identity = identities.get(client);
      if (identity !== undefined && decideSubscribe(identity, subscription.topic)) return callback(null, subscription);
      counts.subscribesRefused++;
      log.debug({ clientId: client.id, topic: subscription.topic }, 'subscription refused');
      // null → SUBACK 0x80 for this filter, the connection stays up (MQTT 3.1.1 §3.9.3).
      callback(null, null);
    },

    authorizeForward(_client, packet) {
      return packet.topic === DROP_TOPIC ? null : packet;
    },
  });

  const internals = aedes as unknown as { persistence: OutgoingPersistence; clients: Record<string, unknown> };
  const sessions = boundSessionQueues(internals.persistence, limits.maxSessionQueue, {
    connected: (clientId) => internals.clients[clientId] !== undefined,
    onFull: (clientId) =>
      log.warn(
        { clientId, maxSessionQueue: limits.maxSessionQueue },
        'persistent session queue full: further QoS 1/2 messages for it are not kept while it is offline',
      ),
  });
  // aedes.mq (mqemitter) queues publishes beyond its concurrency; its length is the backlog the gate bounds.
  const emitter = (aedes as unknown as { mq: { length: number } }).mq;
  const gate = createPublishGate({
    queued: () => emitter.length,
    maxQueued: limits.maxQueuedPublishes,
    maxHeld: limits.maxHeldPublishes,
    maxPerTurn: limits.maxPublishesPerTurn,
  });
  const handle = aedes.handle;
  aedes.handle = (conn, req) => {
    const client = handle(conn, req);
    rateHold.attach(client);
    capPacketSize(client, limits.maxPacketBytes, (length, cmd) => {
      counts.packetsTooLarge++;
      const identity = identities.get(client);
      log.warn({ clientId: client.id, identity: identity?.id, length, cmd }, 'packet above maxPacketBytes: connection closed');
      if (identity !== undefined && cmd === 'publish') {
        const issues = [
          { path: 'payload', message: `packet of ${length} bytes is above the limit of ${limits.maxPacketBytes}; connection closed` },
        ];
        publishRejection(aedes, identity.device?.kind, identity.id, { topic: '', reason: 'too_large', issues });
      }
    });
    return client;
  };

  aedes.on('clientError', (client, err) => log.debug({ clientId: client.id, err: err.message }, 'client error'));
  aedes.on('connectionError', (_client, err) => log.debug({ err: err.message }, 'connection error'));
  // Without a listener an 'error' (e.g. persistence failure) would crash the process.
  (aedes as NodeJS.EventEmitter).on('error', (err: unknown) => log.error({ err }, 'broker error'));

  const transports = createTransports(aedes, { wsPath: config.wsPath, wsMaxPayload: config.wsMaxPayload, tls: config.tls });

  return {
    aedes,
    async start() {
      if (config.allowAnonymous) {
        log.warn(
          'anonymous devices are allowed (CITYSENSE_ALLOW_ANONYMOUS): any client id may publish under its own id and subscribe to anything',
        );
      }
      const ports = await transports.listen(config.mqttPort, config.wsPort, config.host);
      log.info({ ...ports, host: config.host, wsPath: config.wsPath }, 'broker listening');
      return ports;
    },
    async close() {
      rateHold.close();
      gate.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await transports.close();
    },
    identityOf: (client) => (client ? identities.get(client) : undefined),
    willFired: (client) => wills.willFired(client),
    onRefused(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    setAckGate: (g) => acks.set(g),
    stats: () => {
      const g = gate.stats();
      const r = rateHold.stats();
      return {
        ...counts,
        acksWithheld: acks.withheld(),
        publishesHeld: g.held,
        publishesShed: g.shed,
        publishesWaiting: g.waiting,
        publishesRateLimited: r.slowed,
        publishesRateWaiting: r.waiting,
        sessionQueueDropped: sessions.dropped(),
        sessionQueued: sessions.queued(),
      };
    },
  };
}
