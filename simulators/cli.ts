// `citysense simulate` arguments → validated options, with errors that name the flag.
import type { Issue } from './errors.js';
import { SimulateOptions, toIssues } from './options.js';
import type { SimulationProgress, SimulationSummary } from './run.js';

export const SIMULATE_HELP = `citysense simulate — drive the service as real gateways would, over MQTT

Usage: citysense simulate [options]

Options:
  --url URL             broker URL (default mqtt://127.0.0.1:1883; ws://host:8083/mqtt also works)
  --scenario NAME       normal | flood | fire | outage (default normal)
  --sensors N           sensors, spread round-robin over water, gas, environment (default 6)
  --cameras N           cameras (default 2)
  --drones N            drones (default 1)
  --rate R              messages per second per device, fractions allowed, e.g. 0.2 (default 1)
  --duration S          seconds to run; 0 runs until Ctrl-C (default 0)
  --seed N              random seed: the same seed replays the same run (default 1)
  --malformed F         share 0..1 of messages deliberately broken, to exercise refusals (default 0)
  --incident-every S    normal scenario: start a small incident every S seconds
  --devices FILE        device registry / credentials file (JSON or YAML) for registered devices
  --id-prefix P         prepend P to every device id (two fleets on one broker must not share ids)
  -h, --help            show this help

Each device has its own MQTT connection (client id = device id), a retained "offline" last
will and publishes "online" on connect. Refusals are counted from citysense/rejected/#.
At the end (or Ctrl-C) each device publishes "offline" and disconnects cleanly: a goodbye, which
raises no device-offline. In the outage scenario the devices that vanish fire their last wills:
one device-offline incident per grid, listing them.`;

// Flag → option key, and whether the value is numeric.
const FLAGS = {
  '--url': { key: 'url', numeric: false },
  '--scenario': { key: 'scenario', numeric: false },
  '--sensors': { key: 'sensors', numeric: true },
  '--cameras': { key: 'cameras', numeric: true },
  '--drones': { key: 'drones', numeric: true },
  '--rate': { key: 'rate', numeric: true },
  '--duration': { key: 'duration', numeric: true },
  '--seed': { key: 'seed', numeric: true },
  '--malformed': { key: 'malformed', numeric: true },
  '--incident-every': { key: 'incidentEverySec', numeric: true },
  '--devices': { key: 'devicesFile', numeric: false },
  '--id-prefix': { key: 'idPrefix', numeric: false },
} as const satisfies Record<string, { key: keyof SimulateOptions; numeric: boolean }>;
type Flag = keyof typeof FLAGS;

const isFlag = (name: string): name is Flag => Object.hasOwn(FLAGS, name);
const flagOf = (key: string): string => Object.entries(FLAGS).find(([, f]) => f.key === key)?.[0] ?? key;

export type SimulateArgsResult = { ok: true; help: boolean; value: SimulateOptions } | { ok: false; message: string; issues: Issue[] };

const fail = (issues: Issue[]): SimulateArgsResult => ({
  ok: false,
  issues,
  message: `citysense simulate: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')} (see --help)`,
});

/** Parses `citysense simulate` arguments (`--flag value` or `--flag=value`). */
export function parseSimulateArgs(argv: readonly string[]): SimulateArgsResult {
  const raw: Record<string, string | number> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    const eq = arg.indexOf('=');
    const name = eq > 0 && arg.startsWith('--') ? arg.slice(0, eq) : arg;
    if (!isFlag(name)) {
      return fail([{ path: name, message: name.startsWith('-') ? 'unknown flag' : 'unexpected argument' }]);
    }
    let value: string | undefined;
    if (eq > 0 && arg.startsWith('--')) value = arg.slice(eq + 1);
    else {
      const next = argv[i + 1];
      value = next !== undefined && !isFlag(next) && next !== '--help' && next !== '-h' ? next : undefined;
      if (value !== undefined) i++;
    }
    if (value === undefined || value === '') return fail([{ path: name, message: 'needs a value' }]);
    const { key, numeric } = FLAGS[name];
    if (numeric) {
      const n = Number(value);
      if (!Number.isFinite(n)) return fail([{ path: name, message: `expected a number, got "${value}"` }]);
      raw[key] = n;
    } else raw[key] = value;
  }
  const r = SimulateOptions.safeParse(raw);
  if (!r.success) return fail(toIssues(r.error).map((i) => ({ ...i, path: flagOf(i.path.split('.')[0] ?? '') })));
  return { ok: true, help, value: r.data };
}

/** One progress line: "sent 1234 (12.0/s) refused 3 · 01:42". */
export function formatProgress(p: SimulationProgress): string {
  const s = Math.round(p.elapsedMs / 1000);
  const clock = `${String(Math.floor(s / 60)).padStart(2, '0')}:${String(s % 60).padStart(2, '0')}`;
  return `sent ${p.sent} (${p.ratePerSec.toFixed(1)}/s) refused ${p.refused} · ${clock}`;
}

/** The closing line of a run. */
export function formatSummary(s: SimulationSummary): string {
  return `done: sent ${s.sent} (${s.malformedSent} malformed), refused ${s.refused}, errors ${s.errors}, in ${(s.durationMs / 1000).toFixed(1)} s`;
}

/** Progress printer: one live line rewritten with \r on a TTY, plain lines otherwise. */
export function createProgressPrinter(out: { write(chunk: string): unknown; isTTY?: boolean }): {
  onProgress: (p: SimulationProgress) => void;
  finish: (s: SimulationSummary) => void;
} {
  let live = false;
  return {
    onProgress: (p) => {
      if (out.isTTY) {
        out.write(`\r${formatProgress(p)}\u001b[K`);
        live = true;
      } else out.write(`${formatProgress(p)}\n`);
    },
    finish: (s) => out.write(`${live ? '\n' : ''}${formatSummary(s)}\n`),
  };
}
