// The reading log against a real nats-server with JetStream: what is acknowledged is stored and
// read back in order, once, from any sequence, across a reader restart and a server restart; a
// publish that JetStream did not store is refused, never acknowledged.
import { jetstreamManager } from '@nats-io/jetstream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterError, DEFAULT_STREAM, openReadingLog, subjectOf, type LoggedMessage, type ReadingLog } from '../../cluster/index.js';
import { clusterServersMissing, startNats, type NatsServer } from '../../harness/cluster-servers.js';
import { bytes, eventually, recordingLogger, text } from './helpers.js';

const missing = clusterServersMissing();
if (missing) console.warn(`${missing}: cluster tests skipped`);

/** A reader that keeps what it was given, batch by batch, and notices overlapping callbacks. */
function collect(log: ReadingLog, subject: string, fromSeq: number, onEach?: (batch: LoggedMessage[]) => Promise<void>) {
  const got: LoggedMessage[] = [];
  const batches: number[] = [];
  let busy = false;
  let overlapped = false;
  const reader = log.read(subject, fromSeq, async (msgs) => {
    if (busy) overlapped = true;
    busy = true;
    batches.push(msgs.length);
    got.push(...msgs);
    await onEach?.(msgs);
    busy = false;
  });
  return { got, batches, reader, overlapped: () => overlapped };
}

const seqs = (msgs: readonly LoggedMessage[]) => msgs.map((m) => m.seq);

describe.skipIf(missing)('reading log on NATS JetStream (real nats-server)', () => {
  let nats: NatsServer;
  let log: ReadingLog;
  /** Acked seqs per subject, in publish order. */
  const acked = new Map<string, number[]>();
  const { logger, lines } = recordingLogger();

  beforeAll(async () => {
    nats = await startNats();
    // Three nodes starting together all find (or make) the one stream.
    const logs = await Promise.all(
      [0, 1, 2].map((i) => openReadingLog({ servers: nats.url, name: `node-${i}`, publishTimeoutMs: 2_000, logger })),
    );
    log = logs[0]!;
    await Promise.all(logs.slice(1).map((l) => l.close()));
  });
  afterAll(async () => {
    await log?.close();
    await nats?.close();
  });

  const publishAll = async (subject: string, from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const ack = await log.publish(subject, bytes(`${subject}#${i}`), `${subject}#${i}`);
      expect(ack.duplicate).toBe(false);
      acked.set(subject, [...(acked.get(subject) ?? []), ack.seq]);
    }
  };

  it('makes one stream over citysense.readings.> with a 2-minute duplicate window, kept 24 h', async () => {
    const jsm = await jetstreamManager(log.connection());
    const names: string[] = [];
    for await (const n of jsm.streams.names()) names.push(n);
    expect(names).toEqual([DEFAULT_STREAM]);
    const { config } = await jsm.streams.info(DEFAULT_STREAM);
    expect(config).toMatchObject({ subjects: ['citysense.readings.>'], storage: 'file', duplicate_window: 120e9, max_age: 86_400e9 });
  });

  it('brings an existing stream to the configuration a node opens it with', async () => {
    // The three nodes of beforeAll asked for the same configuration: the server took that as made, no update.
    expect(lines.filter((l) => l.msg === 'reading log stream exists with another configuration; updating it')).toEqual([]);
    const other = await openReadingLog({ servers: nats.url, maxAgeMs: 3_600_000, logger });
    await other.close();
    const jsm = await jetstreamManager(log.connection());
    expect((await jsm.streams.info(DEFAULT_STREAM)).config.max_age).toBe(3_600e9);
    expect(lines.some((l) => l.msg === 'reading log stream exists with another configuration; updating it')).toBe(true);
  });

  it('reads 2,000 readings on four subjects back in order, each once, in batches of at most 500', async () => {
    const subjects = ['d0', 'd1', 'a7', 'timers'].map(subjectOf);
    await Promise.all(subjects.map((s) => publishAll(s, 0, 500)));
    for (const s of subjects) {
      const c = collect(log, s, 1);
      await eventually(() => c.got.length >= 500, 10_000, `500 messages on ${s}`);
      await c.reader.stop();
      expect(seqs(c.got)).toEqual(acked.get(s));
      expect(c.got.map((m) => text(m.data))).toEqual(Array.from({ length: 500 }, (_, i) => `${s}#${i}`));
      expect(Math.max(...c.batches)).toBeLessThanOrEqual(500);
      expect(c.overlapped()).toBe(false);
    }
  });

  it('stores a repeated message id once and reports the repeat as a duplicate', async () => {
    const s = subjectOf('d2');
    const first = await log.publish(s, bytes('one'), 'reading-42');
    const again = await log.publish(s, bytes('one again'), 'reading-42');
    expect(again).toEqual({ seq: first.seq, duplicate: true });
    const next = await log.publish(s, bytes('two'), 'reading-43');
    const c = collect(log, s, 1);
    await eventually(() => c.got.length >= 2);
    await new Promise((r) => setTimeout(r, 200));
    await c.reader.stop();
    expect(c.got.map((m) => [m.seq, text(m.data)])).toEqual([
      [first.seq, 'one'],
      [next.seq, 'two'],
    ]);
  });

  it('reads from a sequence in the middle, and counts what lies after a sequence', async () => {
    const s = subjectOf('d1');
    const all = acked.get(s)!;
    const from = all[300]!;
    const c = collect(log, s, from);
    await eventually(() => c.got.length >= 200);
    await c.reader.stop();
    expect(seqs(c.got)).toEqual(all.slice(300));
    expect(await log.pendingAfter(s, all[299]!)).toBe(200);
    expect(await log.pendingAfter(s, all.at(-1)!)).toBe(0);
    expect(await log.pendingAfter(s, 0)).toBe(500);
    expect(await log.pendingAfter(subjectOf('a15'), 0)).toBe(0);
  });

  it('delivers a lone message promptly, and waits for a slow callback before the next batch', async () => {
    const s = subjectOf('a3');
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const c = collect(log, s, 1, async (msgs) => {
      if (msgs[0]!.seq === c.got[0]!.seq) await gate;
    });
    await publishAll(s, 0, 1);
    await eventually(() => c.got.length === 1, 2_000, 'the lone message');
    await publishAll(s, 1, 50);
    await new Promise((r) => setTimeout(r, 300));
    expect(c.got).toHaveLength(1); // the first callback has not finished
    release();
    await eventually(() => c.got.length === 50);
    await c.reader.stop();
    expect(seqs(c.got)).toEqual(acked.get(s));
    expect(c.overlapped()).toBe(false);
  });

  it('stopped mid-way and started again from the last sequence + 1: no gap, no repeat', async () => {
    const s = subjectOf('d0');
    const all = acked.get(s)!;
    const first = collect(log, s, 1, async () => new Promise((r) => setTimeout(r, 5)));
    await eventually(() => first.got.length >= 100);
    const stopped = first.reader.stop();
    await stopped;
    const n = first.got.length;
    await new Promise((r) => setTimeout(r, 100));
    expect(first.got).toHaveLength(n); // nothing after stop resolved
    const second = collect(log, s, first.got.at(-1)!.seq + 1);
    await eventually(() => n + second.got.length >= all.length);
    await second.reader.stop();
    expect([...seqs(first.got), ...seqs(second.got)]).toEqual(all);
  });

  it('offers a failed batch again, and stop() waits for the batch in hand', async () => {
    const s = subjectOf('a9');
    await publishAll(s, 0, 10);
    const calls: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const reader = log.read(s, 1, async (msgs) => {
      calls.push(seqs(msgs));
      if (calls.length === 1) throw new Error('checkpoint store down');
      if (calls.length === 2) await gate;
    });
    await eventually(() => calls.length === 2);
    expect(calls[1]).toEqual(calls[0]);
    let stopped = false;
    const stopping = reader.stop().then(() => (stopped = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(stopped).toBe(false);
    release();
    await stopping;
    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual(acked.get(s)!.slice(0, calls[0]!.length));
  });

  it('keeps reading across a nats-server restart without a gap or a repeat, mid-stream', async () => {
    const s = subjectOf('d5');
    await publishAll(s, 0, 1_500);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // The first batch is held while the server restarts: the rest is queued or still on the server.
    const c = collect(log, s, 1, () => gate);
    await eventually(() => c.got.length > 0);
    await nats.restart();
    // Publishes fail while the client reconnects; a gateway would retry with the same message id.
    for (let i = 1_500; i < 1_600; i++) {
      const ack = await eventually(
        () => log.publish(s, bytes(`${s}#${i}`), `${s}#${i}`).catch(() => undefined),
        15_000,
        'a publish after the restart',
      );
      acked.get(s)!.push(ack.seq);
    }
    release();
    await eventually(() => c.got.length >= 1_600, 15_000, '1,600 messages across the restart');
    await new Promise((r) => setTimeout(r, 200));
    await c.reader.stop();
    expect(seqs(c.got)).toEqual(acked.get(s));
    expect(lines.some((l) => l.msg === 'NATS reconnect')).toBe(true);
  });

  it('refuses a publish when the stream is gone: no ack, no promise of storage', async () => {
    const jsm = await jetstreamManager(log.connection());
    await jsm.streams.delete(DEFAULT_STREAM);
    const err = await log.publish(subjectOf('d0'), bytes('lost'), 'after-delete').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ClusterError);
    expect(err).toMatchObject({ code: 'log_unavailable', canRetry: true });
  });

  it('refuses a publish when the server is down, within the publish timeout', async () => {
    const other = await openReadingLog({ servers: nats.url, publishTimeoutMs: 1_000 });
    await nats.stop();
    const t0 = Date.now();
    const err = await other.publish(subjectOf('d0'), bytes('lost'), 'while-down').catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'log_unavailable' });
    expect(Date.now() - t0).toBeLessThan(5_000);
    await other.close();
  });
});
