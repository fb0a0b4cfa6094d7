// The reading log (DESIGN.md § Beyond one machine): one JetStream stream over
// `citysense.readings.>`, one subject per partition. A node answers a gateway only once
// JetStream has stored its reading (the publish ack); the partition's owner reads the subject
// in order from its checkpoint. Publishes carry a message id, so a retried publish within the
// stream's duplicate window is stored once.
import { AckPolicy, DeliverPolicy, DiscardPolicy, RetentionPolicy, StorageType, jetstream, jetstreamManager } from '@nats-io/jetstream';
import type { JetStreamManager, StreamConfig } from '@nats-io/jetstream';
import { connect, nanos, nuid, type NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { ClusterError, messageOf } from './errors.js';
import { startLogReader, type LogReader, type OnBatch } from './log-reader.js';
import { SUBJECT_PREFIX } from './partition.js';

export const DEFAULT_STREAM = 'CITYSENSE_READINGS';
/** How long a publish may be repeated with the same message id and still be stored once. */
export const DUPLICATE_WINDOW_MS = 120_000;

export interface ReadingLogOptions {
  /** One or more NATS servers, comma-separated (CITYSENSE_NATS_URL). */
  servers: string;
  stream?: string;
  /** How long the stream keeps a reading (default 24 h): the furthest back a new owner can resume. */
  maxAgeMs?: number;
  /** Replicas of the stream on a clustered JetStream (default 1: a single server). */
  replicas?: number;
  /** How long a publish waits for JetStream's ack before it fails (default 5 s). */
  publishTimeoutMs?: number;
  /** The connection's name as the server lists it (default `citysense`). */
  name?: string;
  logger?: Logger;
}

export interface PublishAck {
  seq: number;
  /** The message id was seen within the duplicate window: stored before, not again. */
  duplicate: boolean;
}

export interface ReadingLog {
  /** Store `data` on `subject`; resolves on JetStream's ack, rejects with a ClusterError `log_unavailable` otherwise. */
  publish(subject: string, data: Uint8Array, msgId: string): Promise<PublishAck>;
  /** Hand every message on `subject` with seq ≥ `fromSeq` to `onBatch`, in order, once each, until stopped. */
  read(subject: string, fromSeq: number, onBatch: OnBatch): LogReader;
  /** How many messages on `subject` have a seq above `seq`: a reader's lag. */
  pendingAfter(subject: string, seq: number): Promise<number>;
  /** The NATS connection, for core pub/sub (the /ws fan-out) beside the log. */
  connection(): NatsConnection;
  /** Stop every reader and close the connection. */
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;

type StreamSettings = Partial<StreamConfig> & Pick<StreamConfig, 'name'>;

/** Make the stream, or bring an existing one to this configuration; safe when nodes start together. */
async function ensureStream(jsm: JetStreamManager, cfg: StreamSettings, logger?: Logger): Promise<void> {
  try {
    // The server answers success to a create whose configuration equals the existing stream's.
    await jsm.streams.add(cfg);
    return;
  } catch (err) {
    const info = await jsm.streams.info(cfg.name).catch(() => undefined);
    if (!info) throw new ClusterError('log_setup', `stream ${cfg.name} could not be made: ${messageOf(err)}`, true, { cause: err });
    const was = info.config;
    logger?.warn(
      { stream: cfg.name, was: { subjects: was.subjects, max_age: was.max_age, duplicate_window: was.duplicate_window } },
      'reading log stream exists with another configuration; updating it',
    );
    const { name, subjects, max_age, duplicate_window, num_replicas } = cfg;
    await jsm.streams.update(name, { subjects, max_age, duplicate_window, num_replicas }).catch((e: unknown) => {
      throw new ClusterError('log_setup', `stream ${name} could not be updated: ${messageOf(e)}`, false, { cause: e });
    });
  }
}

/** Connect to NATS, make sure the reading log's stream exists, and return the log. */
export async function openReadingLog(opts: ReadingLogOptions): Promise<ReadingLog> {
  const stream = opts.stream ?? DEFAULT_STREAM;
  const publishTimeoutMs = opts.publishTimeoutMs ?? 5_000;
  const logger = opts.logger?.child({ stage: 'cluster', stream });
  const nc = await connect({
    servers: opts.servers.split(',').map((s) => s.trim()),
    name: opts.name ?? 'citysense',
    // A node outlives any NATS outage: publishes fail meanwhile, readers resume after.
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
  });
  try {
    const jsm = await jetstreamManager(nc);
    await ensureStream(
      jsm,
      {
        name: stream,
        subjects: [`${SUBJECT_PREFIX}.>`],
        storage: StorageType.File,
        retention: RetentionPolicy.Limits,
        discard: DiscardPolicy.Old,
        max_age: nanos(opts.maxAgeMs ?? DAY_MS),
        duplicate_window: nanos(DUPLICATE_WINDOW_MS),
        num_replicas: opts.replicas ?? 1,
      },
      logger,
    );
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect' || s.type === 'reconnect') logger?.warn({ server: s.server }, `NATS ${s.type}`);
      }
    })().catch(() => undefined);
    return readingLog(nc, jsm, stream, publishTimeoutMs, logger);
  } catch (err) {
    await nc.close().catch(() => undefined);
    throw err;
  }
}

function readingLog(nc: NatsConnection, jsm: JetStreamManager, stream: string, publishTimeoutMs: number, logger?: Logger): ReadingLog {
  const js = jetstream(nc);
  const readers = new Set<LogReader>();
  return {
    async publish(subject, data, msgId) {
      try {
        const ack = await js.publish(subject, data, { msgID: msgId, timeout: publishTimeoutMs, expect: { streamName: stream } });
        return { seq: ack.seq, duplicate: ack.duplicate };
      } catch (err) {
        throw new ClusterError(
          'log_unavailable',
          `reading on ${subject} not acknowledged by JetStream, so not known to be stored: ${messageOf(err)}`,
          true,
          { cause: err },
        );
      }
    },
    read(subject, fromSeq, onBatch) {
      const reader = startLogReader({ js, jsm, stream, subject, fromSeq, onBatch, logger });
      const handle: LogReader = {
        async stop() {
          readers.delete(handle);
          await reader.stop();
        },
      };
      readers.add(handle);
      return handle;
    },
    async pendingAfter(subject, seq) {
      // A throwaway consumer that starts after `seq`: the server counts what it would deliver.
      const ci = await jsm.consumers.add(stream, {
        name: `pending_${nuid.next()}`,
        filter_subject: subject,
        ack_policy: AckPolicy.None,
        ...(seq > 0 ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: seq + 1 } : { deliver_policy: DeliverPolicy.All }),
        mem_storage: true,
        num_replicas: 1,
        inactive_threshold: nanos(10_000),
      });
      void jsm.consumers.delete(stream, ci.name).catch(() => undefined);
      return ci.num_pending;
    },
    connection: () => nc,
    async close() {
      await Promise.all([...readers].map((r) => r.stop()));
      await nc.close();
    },
  };
}
