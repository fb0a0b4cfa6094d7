// Ingest: every device publish the broker accepted → the pipeline → Reading on readings$,
// or a refusal published on citysense/rejected/…, counted and dead-lettered.
import type { AedesPublishPacket, Client, PublishPacket } from 'aedes';
import type { Logger } from 'pino';
import { type Observable, Subject } from 'rxjs';
import {
  disconnectedCleanly,
  publishRejection,
  type BrokerRefusal,
  type CitysenseBroker,
  type Registry,
  type RejectReason,
} from '../broker/index.js';
import { createDeadLetters, type DeadLetter, type DeadLetters } from './dead-letter.js';
import type { GridLocator } from './grid.js';
import { INGEST_STEPS, runPipeline, type PipelineDeps } from './pipeline.js';
import type { Reading } from '../model/reading.js';
import { createTopicParser } from './topic.js';

export interface IngestDeps {
  broker: CitysenseBroker;
  registry: Registry;
  grid: GridLocator;
  logger: Logger;
  /** Capacity of the dead-letter ring (default 1000). */
  deadLetterSize?: number;
  /** Clock for receive times (ms epoch). */
  now?: () => number;
  /** How far ahead of the receive time a device `ts` may be (default 24 h). */
  maxFutureMs?: number;
}

export interface IngestStats {
  accepted: number;
  /** Refusals by the ingest pipeline and by the broker's ACL together. */
  refused: number;
  byReason: Partial<Record<RejectReason, number>>;
}

export interface Ingest {
  readings$: Observable<Reading>;
  /**
   * Ingest a QoS 1/2 publish now, while aedes waits to acknowledge it (broker AckGate), so the
   * caller can hold the PUBACK until the reading is stored; aedes' later 'publish' skips it.
   */
  takeBeforeAck(packet: PublishPacket, client: Client): void;
  stats(): IngestStats;
  deadLetters: DeadLetters;
  close(): void;
}

/** Attach ingest to a broker; readings flow until `close()`. */
export function createIngest({ broker, registry, grid, logger, deadLetterSize, now = Date.now, maxFutureMs }: IngestDeps): Ingest {
  const log = logger.child({ stage: 'ingest' });
  const readings = new Subject<Reading>();
  const deadLetters = createDeadLetters(deadLetterSize);
  const stats: IngestStats = { accepted: 0, refused: 0, byReason: {} };
  const deps: PipelineDeps = {
    device: (id) => registry.get(id),
    grid,
    emit: (r) => readings.next(r),
    parseTopic: createTopicParser(),
    maxFutureMs,
  };

  const record = (entry: DeadLetter) => {
    stats.refused++;
    stats.byReason[entry.reason] = (stats.byReason[entry.reason] ?? 0) + 1;
    deadLetters.add(entry);
  };

  /** Packets ingested before their acknowledgement (aedes emits the same object later). */
  const takenEarly = new WeakSet<object>();
  // The 'publish' event fires once per accepted publish without a subscription of our own
  // (cheaper than subscribing to city/#: no per-message delivery, no forward checks).
  const onPublish = (packet: AedesPublishPacket | PublishPacket, client: Client | null) => {
    if (packet.qos > 0 && takenEarly.has(packet)) return; // QoS 0 is never taken early
    // No client: the service's own publishes (refusals, $SYS) and orphaned wills.
    if (client === null || client === undefined || !packet.topic.startsWith('city/')) return;
    try {
      const payload = typeof packet.payload === 'string' ? Buffer.from(packet.payload) : packet.payload;
      // An empty retained publish only clears the retained message [MQTT-3.3.1-10]: nothing to ingest.
      if (packet.retain && payload.length === 0) return;
      const identity = broker.identityOf(client) ?? { id: client.id };
      const receivedAt = now();
      const will = broker.willFired(client);
      const outcome = runPipeline(INGEST_STEPS, { topic: packet.topic, payload, clientId: client.id, identity, receivedAt, will }, deps);
      if (outcome.ok) {
        stats.accepted++;
        if (outcome.ctx.reading) lastReading.set(client, outcome.ctx.reading);
        return;
      }
      const { reason, issues } = outcome.refusal;
      record({ ts: receivedAt, topic: packet.topic, clientId: client.id, reason, issues });
      const kind = identity.device?.kind ?? outcome.ctx.route?.kind;
      publishRejection(broker.aedes, kind, identity.id, { topic: packet.topic, reason, issues });
      if (reason === 'internal') log.error({ err: outcome.error, step: outcome.step, topic: packet.topic }, 'ingest step failed');
      else log.debug({ topic: packet.topic, clientId: client.id, reason, issues }, 'message refused');
    } catch (err) {
      // Never let one message break aedes' publish chain or the other devices' stream.
      log.error({ err, topic: packet.topic }, 'ingest failed');
    }
  };
  broker.aedes.on('publish', onPublish);

  // A device that ends with MQTT DISCONNECT (no will fired) said goodbye: its absence rules hear a
  // departed `offline`, so the deadman clock stops instead of raising `after` later.
  const lastReading = new WeakMap<Client, Reading>();
  const onDisconnect = (client: Client) => {
    const last = lastReading.get(client);
    if (!last || !disconnectedCleanly(client) || last.departed) return;
    const at = now();
    const bye: Reading = {
      ts: at,
      receivedAt: at,
      deviceId: last.deviceId,
      kind: last.kind,
      channel: 'status',
      status: 'offline',
      departed: 'disconnect',
      metrics: {},
      events: [],
    };
    if (last.loc !== undefined) bye.loc = last.loc;
    if (last.district !== undefined) bye.district = last.district;
    if (last.grid !== undefined) bye.grid = last.grid;
    readings.next(bye);
  };
  broker.aedes.on('clientDisconnect', onDisconnect);

  const offRefused = broker.onRefused((r: BrokerRefusal) => {
    record({ ts: r.ts, topic: r.topic, clientId: r.clientId, reason: r.reason, issues: r.issues });
  });

  return {
    readings$: readings.asObservable(),
    takeBeforeAck(packet, client) {
      onPublish(packet, client);
      takenEarly.add(packet);
    },
    stats: () => ({ accepted: stats.accepted, refused: stats.refused, byReason: { ...stats.byReason } }),
    deadLetters,
    close() {
      broker.aedes.off('publish', onPublish);
      broker.aedes.off('clientDisconnect', onDisconnect);
      offRefused();
      readings.complete();
    },
  };
}
