// Reading one subject of the log in order from a stream sequence on: an ephemeral pull consumer
// without acks, made again from the next wanted sequence whenever it is lost (a server restart
// drops it) or skips a delivery (messages lost on the wire while disconnected), pumped into a
// bounded queue that hands the callback whatever has arrived, up to a batch, as soon as there
// is something. The next batch waits for the callback's promise.
//
// Not the client's own ordered consumer: in @nats-io/jetstream 3.4 it recreates itself after a
// server restart but keeps counting the pulls of the lost consumer as pending, and then stalls
// until its idle heartbeats are missed (about 45 s with the defaults).
import { AckPolicy, DeliverPolicy, type ConsumerMessages, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { nanos, nuid } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { messageOf } from './errors.js';

/** One message of the log: its stream sequence and its bytes. */
export interface LoggedMessage {
  seq: number;
  data: Uint8Array;
}

export type OnBatch = (msgs: LoggedMessage[]) => Promise<void> | void;

export interface LogReader {
  /** Stop reading; resolves once the batch being handled (if any) has been. */
  stop(): Promise<void>;
}

export interface LogReaderOptions {
  js: JetStreamClient;
  jsm: JetStreamManager;
  stream: string;
  subject: string;
  fromSeq: number;
  onBatch: OnBatch;
  logger?: Logger;
  /** Most messages per callback (default 500). */
  batch?: number;
  /** First wait before retrying a failed callback or consumer, doubled up to `maxRetryMs`. */
  retryMs?: number;
  maxRetryMs?: number;
}

const sleep = (ms: number, cancel: Promise<void>) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    void cancel.then(() => {
      clearTimeout(t);
      resolve();
    });
  });

/** Deliver every message on `subject` with stream seq ≥ `fromSeq`, in order, once each. */
export function startLogReader(o: LogReaderOptions): LogReader {
  const batch = o.batch ?? 500;
  const retryMs = o.retryMs ?? 250;
  const maxRetryMs = o.maxRetryMs ?? 5_000;
  const log = o.logger?.child({ subject: o.subject });
  let stopped = false;
  let stopSignal!: () => void;
  const stopping = new Promise<void>((r) => (stopSignal = r));
  const queue: LoggedMessage[] = [];
  /** The next sequence wanted: a recreated consumer starts here, and anything below is a repeat. */
  let nextSeq = Math.max(1, Math.floor(o.fromSeq));
  let messages: ConsumerMessages | undefined;
  let arrived: (() => void) | undefined;
  let drained: (() => void) | undefined;
  const wake = () => {
    arrived?.();
    drained?.();
  };

  // The pump: consumer → queue, holding back while the queue has two batches waiting, which
  // stops the consumer pulling more (its pulls run as its iterator is read).
  const prefix = `log_${nuid.next()}`;
  let serial = 0;
  const pump = async () => {
    let failures = 0;
    while (!stopped) {
      let name: string | undefined;
      try {
        const ci = await o.jsm.consumers.add(o.stream, {
          name: `${prefix}_${++serial}`,
          filter_subject: o.subject,
          deliver_policy: DeliverPolicy.StartSequence,
          opt_start_seq: nextSeq,
          ack_policy: AckPolicy.None,
          mem_storage: true,
          num_replicas: 1,
          inactive_threshold: nanos(60_000),
        });
        name = ci.name;
        if (stopped) break;
        messages = await o.js.consumers.getConsumerFromInfo(ci).consume({ max_messages: batch, abort_on_missing_resource: true });
        watch(messages);
        failures = 0;
        let delivered = 0;
        for await (const m of messages) {
          if (m.info.deliverySequence !== delivered + 1) {
            throw new Error(`consumer skipped a delivery (${delivered + 1} expected, ${m.info.deliverySequence} came)`);
          }
          delivered = m.info.deliverySequence;
          if (m.seq < nextSeq) continue;
          nextSeq = m.seq + 1;
          queue.push({ seq: m.seq, data: m.data });
          arrived?.();
          while (queue.length >= 2 * batch && !stopped) await new Promise<void>((r) => (drained = r));
          if (stopped) break;
        }
        if (!stopped) throw new Error('consumer ended');
      } catch (err) {
        if (stopped) break;
        failures++;
        const wait = Math.min(maxRetryMs, retryMs * 2 ** Math.min(failures - 1, 10));
        log?.warn({ err: messageOf(err), nextSeq, retryInMs: wait }, 'reading log consumer failed; recreating it');
        await sleep(wait, stopping);
      } finally {
        const m = messages;
        messages = undefined;
        await m?.close().catch(() => undefined);
        // The server drops an idle consumer itself (inactive_threshold); no need to wait for it.
        if (name) void o.jsm.consumers.delete(o.stream, name).catch(() => undefined);
      }
    }
  };
  const watch = (m: ConsumerMessages) =>
    void (async () => {
      for await (const n of m.status()) log?.debug({ note: n }, 'reading log consumer');
    })().catch(() => undefined);

  // The delivery: queue → callback, one batch at a time; a failed batch is offered again.
  const deliver = async () => {
    let failures = 0;
    let offered = 0;
    while (!stopped) {
      if (queue.length === 0) {
        await new Promise<void>((r) => (arrived = r));
        continue;
      }
      // A failed batch is offered again as it was, not grown by what arrived meanwhile.
      const msgs = queue.slice(0, failures > 0 ? offered : batch);
      offered = msgs.length;
      try {
        await o.onBatch(msgs);
        failures = 0;
        queue.splice(0, msgs.length);
        drained?.();
      } catch (err) {
        failures++;
        const wait = Math.min(maxRetryMs, retryMs * 2 ** Math.min(failures - 1, 10));
        log?.error({ err, fromSeq: msgs[0]!.seq, count: msgs.length, retryInMs: wait }, 'reading log batch failed; offering it again');
        await sleep(wait, stopping);
      }
    }
  };

  const running = Promise.all([pump(), deliver()]);
  return {
    async stop() {
      if (!stopped) {
        stopped = true;
        stopSignal();
        wake();
        await messages?.close().catch(() => undefined);
      }
      await running;
    },
  };
}
