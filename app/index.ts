// Public face of app/, the composition root: what the CLI, the tests' in-process service and the benchmarks start.
export { main } from './cli.js';
export { startService, type RunningService } from './service.js';
export { ConfigError, StartupError } from './errors.js';
export { startRulesRuntime } from './rules-runtime.js';
