import { describe, expect, it } from 'vitest';
import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_RULES_PATH, formatRuleIssue, loadRuleFile, loadRuleFileFromPath, parseRuleSet, type Rule } from '../../../rules/index.js';

// DESIGN.md § Rules example, verbatim.
const DESIGN_EXAMPLE = {
  id: 'water-high',
  version: 1,
  name: '积水超限',
  kind: 'threshold',
  select: { kind: 'sensor', metric: 'waterLevel' },
  above: 0.5,
  for: '30s',
  clear: { below: 0.4 },
  severity: 'orange',
  category: 'flood',
};
const ok = { id: 'x', version: 1, name: 'X', category: 'c' };
const thr = { ...ok, kind: 'threshold', select: { metric: 'm' }, above: 1, severity: 'orange' };

const first = (rules: unknown[]): Rule => {
  const r = parseRuleSet({ rules });
  if (!r.ok) throw new Error(r.issues.map(formatRuleIssue).join('\n'));
  return r.rules[0]!;
};

describe('parseRuleSet: valid rules', () => {
  it.each<[string, unknown, Partial<Rule> & Record<string, unknown>]>([
    ['the DESIGN example', DESIGN_EXAMPLE, { for: 30_000, clear: { below: 0.4 }, enabled: true }],
    [
      'levels',
      {
        ...ok,
        kind: 'threshold',
        select: { metric: 'm' },
        levels: [
          { severity: 'yellow', above: 1 },
          { severity: 'red', above: 2 },
        ],
      },
      { kind: 'threshold' },
    ],
    ['above and below', { ...thr, below: 0 }, { above: 1, below: 0 }],
    ['event defaults', { ...ok, kind: 'event', select: { event: 'smoke' }, severity: 'red' }, { minConfidence: 0.5 }],
    [
      'event count+window',
      { ...ok, kind: 'event', select: { event: 'flooding' }, severity: 'yellow', count: 2, window: '1m' },
      { count: 2, window: 60_000 },
    ],
    ['absence', { ...ok, kind: 'absence', after: '2m', severity: 'blue' }, { after: 120_000, select: {} }],
    [
      'routing, description, disabled',
      { ...thr, routing: { department: 'water-bureau' }, description: 'd', enabled: false },
      { routing: { department: 'water-bureau' }, enabled: false },
    ],
    [
      'device glob and area selectors',
      { ...thr, select: { metric: 'm', device: 'water-*', district: 'd1', grid: 'g1', kind: 'sensor' } },
      { select: { metric: 'm', device: 'water-*', district: 'd1', grid: 'g1', kind: 'sensor' } },
    ],
  ])('%s', (_, raw, expected) => {
    expect(first([raw])).toMatchObject(expected);
  });
});

describe('parseRuleSet: invalid rules name the rule and the path', () => {
  it.each<[string, unknown, string]>([
    ['wrong type', { ...thr, id: 'water-high', above: 'high' }, 'rules[0] (water-high): above: Invalid input: expected number'],
    ['bad id', { ...thr, id: 'has space' }, 'rules[0] (has space): id: id must match'],
    ['version 0', { ...thr, version: 0 }, 'rules[0] (x): version:'],
    [
      'unknown kind',
      { ...thr, kind: 'magic' },
      'rules[0] (x): kind: unknown kind "magic" (expected threshold | rate | window | event | absence | geofence | correlate)',
    ],
    ['unknown field', { ...thr, abvoe: 1 }, 'rules[0] (x): abvoe: unknown field'],
    ['bad duration', { ...thr, for: '5 minutes' }, 'rules[0] (x): for: "5 minutes": expected a duration like'],
    [
      'severity and levels',
      { ...thr, above: undefined, levels: [{ severity: 'red', above: 1 }] },
      'rules[0] (x): levels: give either severity or levels, not both',
    ],
    ['neither severity nor levels', { ...thr, severity: undefined }, 'rules[0] (x): severity: severity or levels is required'],
    ['no bound', { ...thr, above: undefined }, 'rules[0] (x): above: a threshold rule needs above and/or below'],
    [
      'level with two bounds',
      { ...thr, severity: undefined, above: undefined, levels: [{ severity: 'red', above: 1, below: 0 }] },
      'rules[0] (x): levels[0]: a level takes exactly one of above or below',
    ],
    [
      'level bad severity',
      { ...thr, severity: undefined, above: undefined, levels: [{ severity: 'purple', above: 1 }] },
      'rules[0] (x): levels[0].severity:',
    ],
    [
      'repeated level',
      {
        ...thr,
        severity: undefined,
        above: undefined,
        levels: [
          { severity: 'red', above: 1 },
          { severity: 'red', above: 2 },
        ],
      },
      'rules[0] (x): levels[1].severity: severity red appears twice',
    ],
    ['threshold without metric', { ...thr, select: {} }, 'rules[0] (x): select.metric: threshold rules need select.metric'],
    ['clear with two bounds', { ...thr, clear: { above: 1, below: 0 } }, 'rules[0] (x): clear: clear takes exactly one of above or below'],
    ['bad select kind', { ...thr, select: { metric: 'm', kind: 'robot' } }, 'rules[0] (x): select.kind:'],
    ['event without select.event', { ...ok, kind: 'event', severity: 'red' }, 'rules[0] (x): select.event: event rules need select.event'],
    [
      'event count without window',
      { ...ok, kind: 'event', select: { event: 's' }, severity: 'red', count: 2 },
      'rules[0] (x): window: count needs a window',
    ],
    [
      'event confidence > 1',
      { ...ok, kind: 'event', select: { event: 's' }, severity: 'red', minConfidence: 2 },
      'rules[0] (x): minConfidence:',
    ],
    [
      'event levels',
      { ...ok, kind: 'event', select: { event: 's' }, severity: 'red', levels: [] },
      'rules[0] (x): levels: levels is not used by event rules',
    ],
    ['absence without after', { ...ok, kind: 'absence', severity: 'blue' }, 'rules[0] (x): after: required: expected a duration'],
    ['absence after 0', { ...ok, kind: 'absence', severity: 'blue', after: '0s' }, 'rules[0] (x): after: duration must be longer than 0'],
    [
      'absence with for',
      { ...ok, kind: 'absence', severity: 'blue', after: '1m', for: '1m' },
      'rules[0] (x): for: for is not used by absence rules',
    ],
    ['not an object', 42, 'rules[0]: a rule must be an object'],
  ])('%s', (_, raw, expected) => {
    const r = parseRuleSet({ rules: [raw] });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues.map(formatRuleIssue).join('\n')).toContain(expected);
    expect(r.issues.every((i) => i.ruleIndex === 0 && i.path.startsWith('rules[0]'))).toBe(true);
  });

  it('names the index of the bad rule among good ones, and its id', () => {
    const r = parseRuleSet({ rules: [thr, { ...thr, id: 'y' }, { ...thr, id: 'water-high', above: 'x' }] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues).toEqual([expect.objectContaining({ ruleId: 'water-high', ruleIndex: 2, path: 'rules[2].above' })]);
  });

  it('refuses duplicate ids, even when the first copy is invalid', () => {
    const r = parseRuleSet({ rules: [{ ...thr, above: 'x' }, thr] });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues.map(formatRuleIssue)).toContain('rules[1] (x): id: duplicate id "x" (first at rules[0])');
    const r2 = parseRuleSet({ rules: [thr, { ...thr, version: 2 }] });
    expect(r2.ok).toBe(false);
  });

  it.each([[null], [{}], [{ rules: {} }], [[thr]]])('refuses a file that is not {"rules": [...]}: %j', (obj) => {
    const r = parseRuleSet(obj);
    expect(r).toEqual({ ok: false, issues: [{ path: 'rules', message: 'expected an object {"rules": [...]}' }] });
  });
});

describe('loading rule files', () => {
  it('loads YAML and JSON text alike', () => {
    const yaml = loadRuleFile(
      `rules:\n  - id: x\n    version: 1\n    name: X\n    kind: absence\n    after: 30s\n    severity: blue\n    category: device\n`,
    );
    const json = loadRuleFile(
      JSON.stringify({ rules: [{ ...ok, kind: 'absence', after: '30s', severity: 'blue', category: 'device' }] }),
      'json',
    );
    expect(yaml).toEqual(json);
    expect(yaml.ok && yaml.rules[0]).toMatchObject({ id: 'x', after: 30_000 });
  });

  it('reports syntax errors as issues', () => {
    expect(loadRuleFile('{"rules": [', 'json')).toMatchObject({
      ok: false,
      issues: [{ path: '', message: expect.stringMatching(/^JSON syntax/) }],
    });
    expect(loadRuleFile('rules: [a, b', 'yaml')).toMatchObject({ ok: false, issues: [{ message: expect.stringMatching(/^YAML syntax/) }] });
  });

  it('loads the default rule set with the demo rules', async () => {
    const r = await loadRuleFileFromPath(DEFAULT_RULES_PATH);
    if (!r.ok) throw new Error(r.issues.map(formatRuleIssue).join('\n'));
    expect(r.rules.map((x) => x.id)).toEqual([
      'water-high',
      'gas-leak',
      'temperature-high',
      'camera-smoke',
      'camera-fire',
      'camera-flooding',
      'crowd',
      'drone-low-battery',
      'device-offline',
    ]);
    expect(r.rules[0]).toMatchObject({ name: '积水超限', for: 5_000, clear: { below: 0.25 }, category: 'flood' });
    expect(r.rules.find((x) => x.id === 'device-offline')).toMatchObject({ kind: 'absence', after: 120_000, severity: 'blue' });
  });

  it('reads .json files as JSON and reports unreadable paths', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'citysense-rules-'));
    await writeFile(join(dir, 'r.json'), JSON.stringify({ rules: [DESIGN_EXAMPLE] }));
    expect(await loadRuleFileFromPath(join(dir, 'r.json'))).toMatchObject({ ok: true, rules: [{ id: 'water-high' }] });
    expect(await loadRuleFileFromPath(join(dir, 'missing.yaml'))).toMatchObject({
      ok: false,
      issues: [{ message: expect.stringContaining('cannot read') }],
    });
  });
});
