// `citysense rules replay --incident ID [--rules CANDIDATE.yaml] [--json] [--data-dir DIR]`:
// the rule that fired on a case and a candidate, replayed over the case's frozen evidence (read
// from the store file, read-only), printed side by side — what POST /api/incidents/{id}/replay answers.
import { parseArgs } from 'node:util';
import { firedRule, replayIncident, type IncidentReplay, type ReplaySide } from '../alerts/index.js';
import { safeIso } from '../alerts/index.js';
import { formatRuleIssue, loadRuleFileFromPath, type Rule } from '../rules/index.js';
import { openCaseFile } from '../store/index.js';

type Out = { log: (s: string) => void; error: (s: string) => void };

const iso = (t: number | null | undefined) => safeIso(t ?? undefined, '-');
const COL = 34;

/** The two sides in columns: the summary, then each side's detections. */
export function formatIncidentReplay(r: IncidentReplay, candidateName: string): string {
  const row = (label: string, a: string, b: string) => `${label.padEnd(12)}${a.padEnd(COL)}${b}`;
  const s = (x: ReplaySide) => x.summary;
  const e = r.evidence;
  const lines = [
    `Incident ${r.incidentId}: evidence ${e.status}, ${e.readings} reading(s), ${iso(e.window.from)} … ${iso(e.window.to)}${e.note ? ` (${e.note})` : ''}`,
    `Live: ${r.live.detections.length} detection(s); the rule that fired ${r.current.reproducesLive ? 'reproduces them exactly' : 'does NOT reproduce them (downsampled evidence, or state from before the window)'}`,
    '',
    row('', `current (${r.current.rules.join(', ')})`, `candidate (${candidateName})`),
    row(
      'raised',
      s(r.current).raised ? iso(s(r.current).raisedAt) : 'would not have raised',
      s(r.candidate).raised ? iso(s(r.candidate).raisedAt) : 'would not have raised',
    ),
    row('cleared', iso(s(r.current).clearedAt), iso(s(r.candidate).clearedAt)),
    row('severity', s(r.current).severity ?? '-', s(r.candidate).severity ?? '-'),
    row('detections', String(r.current.detections.length), String(r.candidate.detections.length)),
    row('muted', String(r.current.muted.length), String(r.candidate.muted.length)),
    '',
    `Verdict: the candidate ${r.verdict}`,
    '',
    row('Detections', 'current', 'candidate'),
  ];
  const line = (d: ReplaySide['detections'][number] | undefined) =>
    d ? `${iso(d.ts).slice(11, 23)} ${d.phase} ${d.severity} ${d.deviceId}` : '';
  for (let i = 0; i < Math.max(r.current.detections.length, r.candidate.detections.length); i++) {
    lines.push(row('', line(r.current.detections[i]), line(r.candidate.detections[i])));
  }
  return lines.join('\n');
}

/** The `--incident` form of `rules replay`; returns the exit code. */
export async function runIncidentReplay(argv: string[], out: Out, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      incident: { type: 'string' },
      rules: { type: 'string' },
      json: { type: 'boolean', default: false },
      'data-dir': { type: 'string' },
    },
  });
  const id = values.incident;
  if (!id) return (out.error('rules replay --incident: give the incident id'), 1);
  let candidate: Rule[] | undefined;
  if (values.rules) {
    const r = await loadRuleFileFromPath(values.rules);
    if (!r.ok) {
      out.error(`${values.rules}: ${r.issues.length} error(s)`);
      for (const i of r.issues) out.error(`  - ${formatRuleIssue(i)}`);
      return 1;
    }
    candidate = r.rules;
  }
  const cases = openCaseFile(values['data-dir'] ?? env.CITYSENSE_DATA_DIR ?? './data');
  try {
    const incident = cases.incident(id);
    if (!incident) return (out.error(`rules replay: no incident ${id}`), 1);
    const evidence = cases.evidence(id);
    if (evidence?.status !== 'frozen') {
      return (
        out.error(
          `rules replay: the evidence of ${id} is ${evidence?.status ?? 'not frozen'} (it is frozen at close or false alarm); POST /api/incidents/${id}/replay replays a case still open over live telemetry`,
        ),
        1
      );
    }
    const current = firedRule(evidence);
    if (!current) return (out.error(`rules replay: ${id} has no recorded rule to replay`), 1);
    const result = replayIncident(incident, evidence, [current], candidate ?? [current]);
    out.log(values.json ? JSON.stringify(result, null, 2) : formatIncidentReplay(result, values.rules ?? 'the same rule'));
    return 0;
  } finally {
    cases.close();
  }
}
