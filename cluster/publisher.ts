// Readings into the log: every reading a node accepts goes to its device partition's subject,
// and, when an area rule runs and the reading has a grid, to its grid's area subject too. The
// message id (kind, device, time and a hash of the reading) lets JetStream drop a resent copy
// within its duplicate window. For QoS 1/2 the MQTT PUBACK waits for JetStream's acks.
import { createHash } from 'node:crypto';
import type { Logger } from 'pino';
import type { Observable } from 'rxjs';
import type { Reading } from '../model/index.js';
import { areaPartition, devicePartition, subjectOf } from './partition.js';

export interface LogPublisher {
  publish(subject: string, data: Uint8Array, msgId: string): Promise<{ seq: number; duplicate: boolean }>;
}

export interface ReadingPublisher {
  /** Run `fn` (the ingest of one MQTT packet) and resolve once every reading it gave is in the log; reject if one is not. */
  during(fn: () => void): Promise<void>;
  stats(): { published: number; duplicates: number; failed: number };
  close(): void;
}

/**
 * The reading on the log, and its id: the same reading (but for when it was received) has the
 * same id, so a gateway's resend is dropped by JetStream. One serialisation serves both.
 */
function encode(r: Reading): { data: Buffer; id: string } {
  const { receivedAt, ...identity } = r;
  const json = JSON.stringify(identity);
  const id = `${r.deviceId}:${r.ts}:${createHash('sha1').update(json).digest('base64url').slice(0, 16)}`;
  return { data: Buffer.from(`${json.slice(0, -1)},"receivedAt":${JSON.stringify(receivedAt)}}`), id };
}

export function startReadingPublisher(o: {
  readings$: Observable<Reading>;
  log: LogPublisher;
  hasAreaRules: () => boolean;
  logger: Logger;
}): ReadingPublisher {
  let collecting: Array<Promise<unknown>> | undefined;
  let published = 0;
  let duplicates = 0;
  let failed = 0;
  const send = (subject: string, data: Uint8Array, id: string) => {
    const p = o.log.publish(subject, data, id).then(
      (ack) => {
        published++;
        if (ack.duplicate) duplicates++;
      },
      (err: unknown) => {
        failed++;
        throw err;
      },
    );
    if (collecting) collecting.push(p);
    // QoS 0: nobody waits; the failure is counted and logged, as an unacknowledged publish may be.
    else p.catch((err: unknown) => o.logger.warn({ err, subject }, 'a QoS 0 reading could not be put on the log'));
  };
  const sub = o.readings$.subscribe((r) => {
    const { data, id } = encode(r);
    send(subjectOf(devicePartition(r.deviceId)), data, `d:${id}`);
    if (r.grid !== undefined && o.hasAreaRules()) send(subjectOf(areaPartition(r.grid)), data, `a:${id}`);
  });
  return {
    async during(fn) {
      const mine: Array<Promise<unknown>> = [];
      const outer = collecting;
      collecting = mine;
      try {
        fn();
      } finally {
        collecting = outer;
      }
      await Promise.all(mine);
    },
    stats: () => ({ published, duplicates, failed }),
    close: () => sub.unsubscribe(),
  };
}
