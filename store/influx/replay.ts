// Replays the spool oldest first, one batch at a time, while InfluxDB answers: a batch is
// deleted only after InfluxDB acknowledged it (or refused it as bad data), so a crash mid-replay
// at worst writes a batch twice, which InfluxDB absorbs (same series and timestamp = one point).
import type { Logger } from 'pino';
import type { Spool } from './spool.js';
import type { TrackedTransport } from './transport.js';

export interface SpoolReplayer {
  /** Replay now (what the timer does); resolves when this round ends. */
  runOnce(): Promise<void>;
  /** Stop the timer and wait for a round in progress. */
  stop(): Promise<void>;
}

export interface SpoolReplayerOptions {
  spool: Spool;
  transport: TrackedTransport;
  /** The v2 write path; the transport maps it for 1.x. */
  path: string;
  intervalMs: number;
  isBadData: (err: Error) => boolean;
  logger: Logger;
  onWritten: (lines: number) => void;
  onRejected: (lines: number) => void;
  /** Batches per round at most (the next round follows after intervalMs). */
  maxBatchesPerRound?: number;
}

/** Start replaying the spool every intervalMs. */
export function createSpoolReplayer(o: SpoolReplayerOptions): SpoolReplayer {
  const maxBatches = o.maxBatchesPerRound ?? 100;
  let round: Promise<void> | undefined;
  let stopped = false;

  const post = (lines: string[]) =>
    new Promise<void>((resolve, reject) => {
      let status: number | undefined;
      o.transport.send(
        o.path,
        lines.join('\n'),
        { method: 'POST', headers: { 'content-type': 'text/plain; charset=utf-8' }, gzipThreshold: 1000 },
        {
          responseStarted: (_h, code) => (status = code),
          error: reject,
          complete: () => (status === undefined || status < 300 ? resolve() : reject(new Error(`write answered ${status}`))),
        },
      );
    });

  const replay = async () => {
    for (let i = 0; i < maxBatches && !stopped; i++) {
      const batch = o.spool.oldest();
      if (!batch) return;
      try {
        await post(batch.lines);
        o.spool.remove(batch.id);
        o.onWritten(batch.lines.length);
      } catch (err) {
        if (!o.isBadData(err as Error)) return; // still unreachable: try again next round
        o.spool.remove(batch.id);
        o.onRejected(batch.lines.length);
        o.logger.error({ err, lines: batch.lines.length, first: batch.lines[0] }, 'InfluxDB refused a spooled batch (bad data)');
      }
    }
  };
  const runOnce = (): Promise<void> => {
    if (stopped) return Promise.resolve();
    round ??= replay()
      .catch((err) => o.logger.error({ err }, 'spool replay failed'))
      .finally(() => (round = undefined));
    return round;
  };
  const timer = setInterval(() => {
    if (o.spool.depth() > 0) void runOnce();
  }, o.intervalMs);
  timer.unref();

  return {
    runOnce,
    async stop() {
      stopped = true;
      clearInterval(timer);
      await round;
    },
  };
}
