// Wiring of the rules stage's lifecycle: restore saved rule state at start, hot
// reload on file change and PUT /api/rules, save rule state periodically and at shutdown.
import type { Logger } from 'pino';
import {
  createRuleSet,
  slotEntry,
  watchRuleFile,
  type ChangedSlot,
  type RuleEngine,
  type RuleSetHolder,
  type RuleSetResult,
} from '../rules/index.js';
import type { RuleStateStore } from '../store/index.js';

export interface RulesRuntimeDeps {
  engine: RuleEngine;
  initial: Extract<RuleSetResult, { ok: true }>;
  /** The rule file, watched for changes. */
  path: string;
  stateStore: RuleStateStore;
  logger: Logger;
  clock?: () => number;
  /** How often rule state is saved besides at shutdown (default 10 s). */
  saveIntervalMs?: number;
  /** Slots per save transaction; the periodic save yields to the event loop between two (default 200). */
  saveChunk?: number;
  /** Debounce of file changes (default 200 ms). */
  debounceMs?: number;
  /** Told of every accepted rule set (app/rule-history.ts: versions and persistence). */
  onApplied?: (written: unknown[], source: string, author?: string) => void;
}

export interface RulesRuntime {
  rules: RuleSetHolder;
  /** Save the changed rule state, a chunk per turn of the event loop; resolves when written (or failed, logged). */
  save(): Promise<void>;
  /** Stop watching and saving; saves what is left at once. Call while the rule streams still run. */
  stop(): void;
}

/** Restore rule state into the engine (before it is subscribed), then watch and save. */
export function startRulesRuntime(deps: RulesRuntimeDeps): RulesRuntime {
  const { engine, stateStore, clock = Date.now } = deps;
  const chunk = deps.saveChunk ?? 200;
  const logger = deps.logger.child({ stage: 'rules' });
  const saved = stateStore.load();
  const restored = engine.restore(saved.entries);
  if (saved.entries.length)
    logger.info({ restored, dropped: saved.entries.length - restored, savedAt: saved.savedAt }, 'rule state restored');

  const rules = createRuleSet({ engine, initial: deps.initial, source: `file:${deps.path}`, clock, logger, onApplied: deps.onApplied });

  // A save walks the slots that changed a chunk per turn of the event loop, writing each chunk in
  // a transaction of its own (one transaction for every slot would pause the main thread for a
  // time growing with devices × rules, `npm run bench:rule-state`); a slot that changes meanwhile
  // is written as it is then.
  /** The slots the save under way has yet to take. */
  let walk: Iterator<ChangedSlot> | undefined;
  let running: Promise<void> | undefined;
  /** Write these slots in one transaction; a failure marks them changed again, for the next save. */
  const write = (part: ChangedSlot[]): boolean => {
    try {
      stateStore.put(part.map(slotEntry), clock());
      return true;
    } catch (err) {
      for (const c of part) c.slot.changed = true;
      logger.error({ err, slots: part.length }, 'rule state could not be saved');
      return false;
    }
  };
  /** Up to `n` more slots of `it`. */
  const take = (it: Iterator<ChangedSlot>, n: number): ChangedSlot[] => {
    const part: ChangedSlot[] = [];
    while (part.length < n) {
      const r = it.next();
      if (r.done) break;
      part.push(r.value);
    }
    return part;
  };
  const retain = () => {
    try {
      stateStore.retain(engine.liveRuleHashes());
    } catch (err) {
      logger.error({ err }, 'saved rule state of removed rules could not be deleted');
    }
  };
  const save = (): Promise<void> =>
    (running ??= (async () => {
      const it = engine.takeChanged();
      walk = it;
      for (;;) {
        const part = take(it, chunk);
        // A failed chunk ends the save: the slots not yet taken are still marked changed.
        if (part.length === 0 || !write(part)) break;
        await new Promise((r) => setImmediate(r));
        if (walk !== it) return; // stop() has written the rest, and retained
      }
      walk = undefined;
      retain();
    })().finally(() => (running = undefined)));

  const timer = setInterval(() => void save(), deps.saveIntervalMs ?? 10_000);
  timer.unref();
  let unwatch: () => void = () => {};
  try {
    unwatch = watchRuleFile(deps.path, () => void rules.reloadFile(deps.path), {
      debounceMs: deps.debounceMs,
      onError: (err) => logger.warn({ err, path: deps.path }, 'rule file watch failed; reload with PUT /api/rules'),
    });
  } catch (err) {
    logger.warn({ err, path: deps.path }, 'cannot watch the rule file; reload with PUT /api/rules');
  }
  return {
    rules,
    save,
    stop() {
      clearInterval(timer);
      unwatch();
      // At shutdown, at once: what a save under way has not taken yet, then what changed since.
      const rest = [...(walk ? take(walk, Infinity) : []), ...take(engine.takeChanged(), Infinity)];
      walk = undefined;
      if (rest.length > 0) write(rest);
      retain();
    },
  };
}
