// The `citysense` CLI (DESIGN.md § Processes: start, simulate, rules check, review).
import { parseArgs } from 'node:util';
import { loadConfig } from './config.js';
import { ConfigError } from './errors.js';

const HELP = `citysense — city sensing and early warning

Usage: citysense <command> [options]

Commands:
  start                 run the service (broker, rules, incidents, HTTP/WebSocket API)
  simulate              publish simulated sensor, camera and drone telemetry over MQTT
  rules check FILE      validate a rule file; exit 1 with the rule id and path of each error
  rules replay FILE     run rules over recorded telemetry (--from JSONL | --since/--until), --compare OTHER
  review INCIDENT_ID    print an incident's review (复盘) record from a running service
  cluster status        the nodes of a cluster and who owns each partition (docs/cluster.md)

Run "citysense <command> --help" for a command's options.
Configuration: CITYSENSE_CONFIG (YAML/JSON file) and CITYSENSE_* variables, see docs/operations.md.`;

const START_HELP = `citysense start — run the whole service on embedded defaults

Usage: citysense start

Everything is configured by CITYSENSE_CONFIG and CITYSENSE_* variables (docs/operations.md):
  CITYSENSE_MQTT_PORT (1883)  CITYSENSE_MQTT_WS_PORT (8083)  CITYSENSE_HTTP_PORT (8080)
  CITYSENSE_DATA_DIR (./data)  CITYSENSE_RULES  CITYSENSE_DEVICES  CITYSENSE_ROUTING
  CITYSENSE_OPERATOR_TOKEN (random when unset, printed)  CITYSENSE_DEMO (1; 0 = no demo)
  CITYSENSE_ALLOW_ANONYMOUS (on in the demo)  CITYSENSE_LOG_LEVEL (info)
Cluster mode (docs/cluster.md): CITYSENSE_NATS_URL  CITYSENSE_DATABASE_URL  CITYSENSE_NODE_ID
Stops gracefully on SIGINT/SIGTERM.`;

const REVIEW_HELP = `citysense review — print the review (复盘) record of an incident

Usage: citysense review INCIDENT_ID [--format md|json] [--url http://127.0.0.1:8080] [--token TOKEN]

The token defaults to CITYSENSE_OPERATOR_TOKEN.`;

const RULES_HELP = `citysense rules check FILE — validate a rule file (YAML or JSON)

Prints each error with the rule id and path; exit status 1 when the file is invalid.

citysense rules replay FILE --from telemetry.jsonl | --since T [--until T] [--compare OTHER] [--json]
  runs the rules over recorded telemetry on a virtual clock ("citysense rules replay --help").

citysense rules replay --incident ID [--rules CANDIDATE.yaml] [--json] [--data-dir DIR]
  the rule that fired on a closed case and a candidate, over the case's frozen evidence.`;

type Out = { log: (s: string) => void; error: (s: string) => void };

/** Run one CLI invocation; returns the exit code. */
export async function main(argv: string[], out: Out = console): Promise<number> {
  const [command, ...rest] = argv;
  const wantsHelp = rest.includes('--help') || rest.includes('-h');
  try {
    switch (command) {
      case undefined:
      case '--help':
      case '-h':
      case 'help':
        out.log(HELP);
        return command === undefined ? 1 : 0;
      case 'start':
        if (wantsHelp) return (out.log(START_HELP), 0);
        return await start(out);
      case 'simulate':
        return await simulate(rest, out);
      case 'rules':
        return await rules(rest, out);
      case 'cluster': {
        const { clusterCommand } = await import('./cluster-cli.js');
        return await clusterCommand(rest, out);
      }
      case 'review':
        if (wantsHelp) return (out.log(REVIEW_HELP), 0);
        return await review(rest, out);
      default:
        out.error(`unknown command "${command}"\n\n${HELP}`);
        return 1;
    }
  } catch (err) {
    if (err instanceof ConfigError) {
      out.error(err.message);
      return 1;
    }
    out.error(`citysense ${command}: ${(err as Error).message}`);
    return 1;
  }
}

async function start(out: Out): Promise<number> {
  const config = loadConfig();
  const { startService } = await import('./service.js');
  const svc = await startService(config);
  out.log(svc.banner());
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  out.log('citysense: shutting down…');
  await svc.stop();
  // Everything of ours is closed now, but Node-RED leaves its admin-session expiry timer armed
  // after RED.stop() (@node-red/editor-api auth/tokens.js has no way to clear it): don't let it
  // hold the process for hours. unref: a clean exit does not wait for this.
  setTimeout(() => process.exit(process.exitCode ?? 0), 1000).unref();
  return 0;
}

async function simulate(argv: string[], out: Out): Promise<number> {
  const { parseSimulateArgs, runSimulation, SIMULATE_HELP, createProgressPrinter } = await import('../simulators/index.js');
  const parsed = parseSimulateArgs(argv);
  if (!parsed.ok) {
    out.error(parsed.message);
    return 1;
  }
  if (parsed.help) return (out.log(SIMULATE_HELP), 0);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  process.once('SIGTERM', () => abort.abort());
  const printer = createProgressPrinter(process.stdout);
  const summary = await runSimulation(parsed.value, { signal: abort.signal, onProgress: printer.onProgress });
  printer.finish(summary);
  return summary.errors > 0 && summary.sent === 0 ? 1 : 0;
}

async function rules(argv: string[], out: Out): Promise<number> {
  const [sub, file] = argv;
  if (sub === 'replay') return (await import('./replay.js')).runReplay(argv.slice(1), out);
  if (sub !== 'check' || argv.includes('--help') || argv.includes('-h')) {
    out.log(RULES_HELP);
    return sub === 'check' ? 0 : 1;
  }
  if (!file) {
    out.error('rules check: name the rule file, e.g. citysense rules check rules.yaml');
    return 1;
  }
  const { loadRuleFileFromPath, formatRuleIssue } = await import('../rules/index.js');
  const r = await loadRuleFileFromPath(file);
  if (!r.ok) {
    out.error(`${file}: ${r.issues.length} error(s)`);
    for (const i of r.issues) out.error(`  - ${formatRuleIssue(i)}`);
    return 1;
  }
  out.log(`${file}: ${r.rules.length} rule(s) OK`);
  for (const rule of r.rules) out.log(`  ${rule.id} v${rule.version} (${rule.kind}) ${rule.name}`);
  return 0;
}

async function review(argv: string[], out: Out): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { format: { type: 'string', default: 'md' }, url: { type: 'string' }, token: { type: 'string' } },
  });
  const id = positionals[0];
  if (!id) {
    out.error(REVIEW_HELP);
    return 1;
  }
  const base = values.url ?? `http://127.0.0.1:${process.env.CITYSENSE_HTTP_PORT ?? 8080}`;
  const token = values.token ?? process.env.CITYSENSE_OPERATOR_TOKEN;
  if (!token) {
    out.error('review: give --token or set CITYSENSE_OPERATOR_TOKEN (the token printed by citysense start)');
    return 1;
  }
  const res = await fetch(`${base}/api/incidents/${encodeURIComponent(id)}/review?format=${values.format}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  const text = await res.text();
  if (!res.ok) {
    out.error(`review: HTTP ${res.status}: ${text}`);
    return 1;
  }
  out.log(values.format === 'json' ? JSON.stringify(JSON.parse(text), null, 2) : text);
  return 0;
}
