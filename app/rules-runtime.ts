// Wiring of the rules stage's lifecycle (issue #5): restore saved rule state at start, hot
// reload on file change and PUT /api/rules, save rule state periodically and at shutdown.
import type { Logger } from 'pino';
import { createRuleSet, watchRuleFile, type RuleEngine, type RuleSetHolder, type RuleSetResult } from '../rules/index.js';
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
  /** Debounce of file changes (default 200 ms). */
  debounceMs?: number;
}

export interface RulesRuntime {
  rules: RuleSetHolder;
  /** Save the rule state now. */
  save(): void;
  /** Stop watching and saving; saves one last time. Call while the rule streams still run. */
  stop(): void;
}

/** Restore rule state into the engine (before it is subscribed), then watch and save. */
export function startRulesRuntime(deps: RulesRuntimeDeps): RulesRuntime {
  const { engine, stateStore, clock = Date.now } = deps;
  const logger = deps.logger.child({ stage: 'rules' });
  const saved = stateStore.load();
  const restored = engine.restore(saved.entries);
  if (saved.entries.length) logger.info({ restored, dropped: saved.entries.length - restored, savedAt: saved.savedAt }, 'rule state restored');

  const rules = createRuleSet({ engine, initial: deps.initial, source: `file:${deps.path}`, clock, logger });
  const save = () => {
    try {
      stateStore.save(engine.snapshot(), clock());
    } catch (err) {
      logger.error({ err }, 'rule state could not be saved');
    }
  };
  const timer = setInterval(save, deps.saveIntervalMs ?? 10_000);
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
      save();
    },
  };
}
