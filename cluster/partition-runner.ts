// One owned partition at work: its readings from the log, in order, through a rule engine of its
// own, and a checkpoint of that engine's state together with the log position, written to the
// shared store under the partition's lease. A node that takes the partition over starts from the
// last checkpoint: readings after it are read (and their effects written) again, which the
// effects' idempotency makes harmless, and none is skipped.
import type { Logger } from 'pino';
import { Subject, type Subscription } from 'rxjs';
import type { Detection, Reading } from '../model/index.js';
import { slotEntry, type RuleEngine, type RuleStateEntry } from '../rules/index.js';

/** What the runner needs of the reading log (cluster/reading-log.ts). */
export interface PartitionLog {
  read(
    subject: string,
    fromSeq: number,
    onBatch: (msgs: Array<{ seq: number; data: Uint8Array }>) => Promise<void> | void,
  ): { stop(): Promise<void> };
  pendingAfter(subject: string, seq: number): Promise<number>;
}

/** What the runner needs of the checkpoints (cluster/checkpoints.ts). */
export interface PartitionCheckpoints {
  load(partition: string): Promise<{ entries: RuleStateEntry[]; streamSeq: number }>;
  save(
    partition: string,
    c: { nodeId: string; epoch: number; entries: readonly RuleStateEntry[]; streamSeq: number; liveRuleHashes?: readonly string[] },
  ): Promise<boolean>;
}

export interface PartitionRunnerDeps {
  name: string;
  subject: string;
  epoch: number;
  nodeId: string;
  log: PartitionLog;
  checkpoints: PartitionCheckpoints;
  /** A fresh engine with the partition's share of the current rules. */
  engine: RuleEngine;
  /** Each reading as it is read (telemetry, Node-RED), before the rules see it. */
  onReading: (r: Reading) => void;
  onDetection: (d: Detection) => void;
  /**
   * Resolves once what was handed on so far is stored (telemetry flushed, no detection waiting
   * for a retry); rejects (or resolves false) when it is not: the checkpoint then waits.
   */
  settled: () => Promise<boolean>;
  /** After each batch read: a promise makes the next batch wait for it (backpressure). */
  afterBatch?: () => Promise<void> | undefined;
  /** The lease was found gone at a checkpoint: another node has the partition. */
  onFenced: () => void;
  logger: Logger;
  /** Default 1 s. */
  checkpointMs?: number;
}

export interface PartitionRunner {
  readonly name: string;
  readonly engine: RuleEngine;
  /** The last log seq read and the last one checkpointed. */
  position(): { read: number; saved: number };
  /** Readings on the log not yet read here. */
  lag(): Promise<number>;
  /** Stop reading; `checkpoint` saves the state and position first (a graceful hand-over). */
  stop(opts: { checkpoint: boolean }): Promise<void>;
}

/** Restore the partition's checkpoint, then read from just after it. */
export async function startPartition(deps: PartitionRunnerDeps): Promise<PartitionRunner> {
  const { name, subject, engine, logger } = deps;
  const saved = await deps.checkpoints.load(name);
  const restored = engine.restore(saved.entries);
  logger.info({ partition: name, epoch: deps.epoch, from: saved.streamSeq + 1, restored }, 'partition taken');
  let read = saved.streamSeq;
  let savedSeq = saved.streamSeq;
  /** A failed save loses the slots it took: the next save writes every slot. */
  let full = false;
  let stopped = false;
  const input = new Subject<Reading>();
  const sub: Subscription = engine.detections(input).subscribe(deps.onDetection);
  const reader = deps.log.read(subject, saved.streamSeq + 1, (msgs) => {
    for (const m of msgs) {
      if (stopped) return;
      let r: Reading;
      try {
        r = JSON.parse(Buffer.from(m.data).toString('utf8')) as Reading;
      } catch (err) {
        // Only citysense writes the log, after validation: an unreadable entry is skipped, loudly.
        logger.error({ err, partition: name, seq: m.seq }, 'unreadable reading on the log, skipped');
        read = m.seq;
        continue;
      }
      deps.onReading(r);
      input.next(r);
      read = m.seq;
    }
    return deps.afterBatch?.();
  });

  let saving: Promise<void> | undefined;
  const checkpoint = async (): Promise<void> => {
    // The state and the position are taken in one synchronous step, so the state is exactly
    // that of the readings up to the position; what they handed on must be stored before both are.
    const upTo = read;
    const entries = full ? engine.snapshot() : Array.from(iterate(engine.takeChanged()), slotEntry);
    if (upTo === savedSeq && entries.length === 0) return;
    full = true; // the slots taken are saved below or not at all
    const settled = await deps.settled().catch(() => false);
    if (!settled) return;
    try {
      const ok = await deps.checkpoints.save(name, {
        nodeId: deps.nodeId,
        epoch: deps.epoch,
        entries,
        streamSeq: upTo,
        liveRuleHashes: engine.liveRuleHashes(),
      });
      if (!ok) {
        logger.warn({ partition: name, epoch: deps.epoch }, 'partition lease lost at checkpoint: another node has it');
        deps.onFenced();
        return;
      }
      savedSeq = upTo;
      full = false;
    } catch (err) {
      logger.warn({ err, partition: name }, 'partition checkpoint failed; the next one writes every slot');
    }
  };
  const timer = setInterval(() => {
    if (!saving) saving = checkpoint().finally(() => (saving = undefined));
  }, deps.checkpointMs ?? 1000);
  timer.unref();

  return {
    name,
    engine,
    position: () => ({ read, saved: savedSeq }),
    lag: () => deps.log.pendingAfter(subject, read),
    async stop({ checkpoint: save }) {
      if (stopped) return;
      clearInterval(timer);
      await reader.stop();
      stopped = true;
      await saving;
      if (save) await checkpoint();
      sub.unsubscribe();
      input.complete();
    },
  };
}

function* iterate<T>(it: Iterator<T>): Generator<T> {
  for (let r = it.next(); !r.done; r = it.next()) yield r.value;
}
