// `citysense rules replay FILE (--from telemetry.jsonl | --since T [--until T]) [--compare OTHER] [--json]`:
// what a rule set would have raised on recorded telemetry, and how a second set differs.
import { parseArgs } from 'node:util';
import {
  compareReplays,
  formatRuleIssue,
  loadRuleFileFromPath,
  parseDuration,
  replay,
  type ReplayComparison,
  type ReplayResult,
  type Rule,
} from '../rules/index.js';
import { safeIso } from '../alerts/index.js';
import { loadConfig } from './config.js';
import { readInfluxReadings, readReplayFile, readStoredReadings, type LoadedReadings } from './replay-input.js';
import { runIncidentReplay } from './replay-incident.js';

export const REPLAY_HELP = `citysense rules replay — run rules over recorded telemetry on a virtual clock

Usage: citysense rules replay RULES.yaml --from telemetry.jsonl [options]
       citysense rules replay RULES.yaml --since 2h [--until 2026-05-01T12:00:00Z] [options]
       citysense rules replay --incident ID [--rules CANDIDATE.yaml] [--json] [--data-dir DIR]
         (the rule that fired on a closed case, and the candidate, over its frozen evidence, side by side)

Input (one of):
  --from FILE.jsonl     one JSON object per line: a Reading (as stored), or a raw MQTT message
                        {"topic": "city/sensor/s-1/telemetry", "payload": {...} or "text", "ts": receive time}
  --since T, --until T  the readings a service stored: in InfluxDB when the configuration names one
                        (CITYSENSE_INFLUX_URL/_BUCKET/_API/_TOKEN or $CITYSENSE_CONFIG), else in SQLite
                        ($CITYSENSE_DATA_DIR or --data-dir, opened read-only).
                        T: ms epoch, ISO-8601, or a duration back from now ("2h").
Options:
  --source S            with --since: read from "influx" or "sqlite" instead of the configured sink
  --compare OTHER.yaml  replay a second rule set and print the difference (detections, incidents,
                        first warning per dedup key: earlier / later / only in one)
  --until T             with --from too: keep the clock running to T so pending timers can fire
  --json                machine-readable output
  --data-dir DIR        where citysense.db is (default $CITYSENSE_DATA_DIR or ./data)
  --cell-size M         grid cell size for raw MQTT lines (default 500)`;

type Out = { log: (s: string) => void; error: (s: string) => void };

/** A time: ms epoch, ISO-8601, or a duration back from `now`. */
export function parseTime(text: string, now: number): number | undefined {
  if (/^\d+$/.test(text)) return Number(text);
  const back = parseDuration(text);
  if (back !== undefined) return now - back;
  const t = Date.parse(text);
  return Number.isFinite(t) ? t : undefined;
}

// A recorded time no date can carry (a device ts of 1e300 in an old file) prints '-', not a RangeError.
const iso = (t: number | undefined) => safeIso(t, '-');
const signed = (n: number) => (n > 0 ? `+${n}` : `${n}`);
function human(ms: number): string {
  const a = Math.abs(ms);
  return a >= 60_000 ? `${+(a / 60_000).toFixed(1)}m` : a >= 1_000 ? `${+(a / 1_000).toFixed(1)}s` : `${a}ms`;
}

/** Print a replay (and a comparison) as text. */
export function formatReplay(
  name: string,
  r: ReplayResult,
  skipped: LoadedReadings['skipped'],
  cmp?: { name: string; result: ReplayResult; diff: ReplayComparison },
): string {
  const lines = [`${name}: ${r.readings} reading(s) replayed, ${iso(r.from)} … ${iso(r.to)}`];
  if (skipped.length)
    lines.push(
      `skipped ${skipped.length} line(s): ${skipped
        .slice(0, 5)
        .map((s) => `line ${s.line}: ${s.reason}`)
        .join(' | ')}`,
    );
  lines.push(`Detections (${r.detections.length}):`);
  for (const d of r.detections) lines.push(`  ${iso(d.ts)}  ${d.phase.padEnd(5)}  ${d.severity.padEnd(6)}  ${d.dedupKey}  ${d.message}`);
  lines.push(`Incidents (${r.incidents.length}):`);
  for (const i of r.incidents) {
    const esc = i.escalations.map((e) => `→${e.severity}@${iso(e.ts)}`).join(' ');
    lines.push(
      `  ${i.dedupKey}  ${i.severity}  opened ${iso(i.openedAt)}  ${i.detections} detection(s)  ${i.status === 'cleared' ? `cleared ${iso(i.clearedAt)}` : 'open'}${esc ? `  ${esc}` : ''}`,
    );
  }
  if (cmp) {
    const { diff } = cmp;
    lines.push(`Compared with ${cmp.name}:`);
    lines.push(
      `  detections ${diff.detections.a} → ${diff.detections.b} (${signed(diff.detections.b - diff.detections.a)}), incidents ${diff.incidents.a} → ${diff.incidents.b} (${signed(diff.incidents.b - diff.incidents.a)})`,
    );
    for (const k of diff.keys) {
      if (k.verdict === 'only-a')
        lines.push(`  ${k.dedupKey}  only in ${name} (${k.a!.incidents} incident(s), first ${iso(k.a!.firstWarning)})`);
      else if (k.verdict === 'only-b')
        lines.push(`  ${k.dedupKey}  only in ${cmp.name} (${k.b!.incidents} incident(s), first ${iso(k.b!.firstWarning)})`);
      else {
        const when = k.verdict === 'same' ? 'same first warning' : `first warning ${human(k.firstWarningDeltaMs!)} ${k.verdict}`;
        lines.push(
          `  ${k.dedupKey}  ${when}; detections ${k.a!.detections} → ${k.b!.detections}, incidents ${k.a!.incidents} → ${k.b!.incidents}`,
        );
      }
    }
  }
  return lines.join('\n');
}

async function rulesOf(path: string, out: Out): Promise<Rule[] | undefined> {
  const r = await loadRuleFileFromPath(path);
  if (r.ok) return r.rules;
  out.error(`${path}: ${r.issues.length} error(s)`);
  for (const i of r.issues) out.error(`  - ${formatRuleIssue(i)}`);
  return undefined;
}

/** The `rules replay` subcommand; returns the exit code. */
export async function runReplay(argv: string[], out: Out, env: NodeJS.ProcessEnv = process.env, now = Date.now()): Promise<number> {
  if (argv.includes('--incident')) return runIncidentReplay(argv, out, env);
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      from: { type: 'string' },
      since: { type: 'string' },
      until: { type: 'string' },
      compare: { type: 'string' },
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
      source: { type: 'string' },
      'cell-size': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return (out.log(REPLAY_HELP), 0);
  const file = positionals[0];
  if (!file || (values.from === undefined) === (values.since === undefined)) {
    out.error(`rules replay: give a rule file and exactly one of --from or --since\n\n${REPLAY_HELP}`);
    return 1;
  }
  const times: Record<string, number | undefined> = {};
  for (const k of ['since', 'until'] as const) {
    if (values[k] === undefined) continue;
    times[k] = parseTime(values[k]!, now);
    if (times[k] === undefined)
      return (out.error(`rules replay: --${k} "${values[k]}": expected ms epoch, ISO-8601 or a duration like 2h`), 1);
  }
  if (values.source !== undefined && !['influx', 'sqlite'].includes(values.source)) {
    return (out.error(`rules replay: --source "${values.source}": expected influx or sqlite`), 1);
  }
  const rules = await rulesOf(file, out);
  const other = values.compare ? await rulesOf(values.compare, out) : undefined;
  if (!rules || (values.compare && !other)) return 1;

  const cellSizeM = values['cell-size'] ? Number(values['cell-size']) : undefined;
  let input: LoadedReadings;
  try {
    input = values.from
      ? readReplayFile(values.from, { ...(cellSizeM ? { cellSizeM } : {}) })
      : await readStore(values.source, values['data-dir'], env, times.since!, times.until ?? now);
  } catch (err) {
    return (out.error(`rules replay: ${(err as Error).message}`), 1);
  }
  const until = times.until;
  const a = replay({ rules, readings: input.readings, ...(until !== undefined ? { until } : {}) });
  const b = other ? replay({ rules: other, readings: input.readings, ...(until !== undefined ? { until } : {}) }) : undefined;
  const diff = b ? compareReplays(a, b) : undefined;
  if (values.json) {
    out.log(
      JSON.stringify(
        { rules: file, ...a, skipped: input.skipped, ...(b ? { compare: { rules: values.compare, ...b, diff } } : {}) },
        null,
        2,
      ),
    );
  } else {
    out.log(formatReplay(file, a, input.skipped, b && diff ? { name: values.compare!, result: b, diff } : undefined));
  }
  return 0;
}

/** Stored readings from the configured sink (InfluxDB when configured), or the one --source names. */
async function readStore(
  source: string | undefined,
  dataDir: string | undefined,
  env: NodeJS.ProcessEnv,
  since: number,
  until: number,
): Promise<LoadedReadings> {
  // A configuration that does not validate is reported (ConfigError names each field), not skipped.
  const influx = source === 'sqlite' ? undefined : loadConfig(env).influx;
  if (source === 'influx' && !influx)
    throw new Error('--source influx: no InfluxDB configured (set CITYSENSE_INFLUX_URL and CITYSENSE_INFLUX_BUCKET)');
  if (influx) return readInfluxReadings(influx, since, until);
  return readStoredReadings(dataDir ?? env.CITYSENSE_DATA_DIR ?? './data', since, until);
}
