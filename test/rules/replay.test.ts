// `citysense rules replay` on a recorded JSONL fixture; every expected detection is worked
// out by hand below. Times are seconds after T0 = 2026-05-01T10:00:00Z.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runReplay } from '../../app/replay.js';
import type { Detection, ReplayComparison, ReplayIncident } from '../../rules/index.js';

const T0 = Date.parse('2026-05-01T10:00:00Z');
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/replay/${name}`, import.meta.url));
const at = (t: number) => T0 + t * 1000;

async function cli(args: string[]) {
  const logs: string[] = [];
  const errors: string[] = [];
  const code = await runReplay(args, { log: (s) => logs.push(s), error: (s) => errors.push(s) }, {}, at(1000));
  return { code, out: logs.join('\n'), err: errors.join('\n') };
}

type Json = { readings: number; detections: Detection[]; incidents: ReplayIncident[]; skipped: { line: number; reason: string }[]; compare?: { detections: Detection[]; diff: ReplayComparison } };
const brief = (d: Detection) => `${(d.ts - T0) / 1000}s ${d.phase} ${d.severity} ${d.dedupKey}`;

// Readings (w-1 as raw MQTT messages, cam-1 and t-1 as stored Readings in grid G-A):
//   w-1 waterLevel: 0 → 0.2, 30 → 0.3, 60 → 0.6, 75 → 0.65, 120 → 0.62, 150 → 0.35 (line 7, "high", is refused)
//   cam-1 smoke 0.9 at 100; t-1 temperature 55 at 110, 72 at 130.
// water-rising (rate, window 60s, per 1m, above 0.3):
//   30: (0.3 − 0.2) / 30 s × 60 s = 0.2            → no
//   60: samples t ≥ 0: (0.6 − 0.2) / 60 × 60 = 0.4  → raise yellow @60
//   75: samples t ≥ 15: (0.65 − 0.3) / 45 × 60 ≈ 0.47 → still raised
//  120: samples t ≥ 60: (0.62 − 0.6) / 60 × 60 = 0.02 → below, no `clear` given → clear @120
//  150: samples t ≥ 90: (0.35 − 0.62) / 30 × 60 = −0.54 → nothing (not raised)
// water-high (threshold > 0.5 for 30s, clear below 0.4):
//   above from 60 → the `for` timer fires at 90 with no reading then → raise orange @90 (readingTs 75)
//   120: 0.62 still above → nothing; 150: 0.35 < 0.4 → clear @150
// fire (correlate, window 2m, smoke ≥ 0.7 and temperature > 60, 2 sources, per grid):
//   100 smoke@cam-1; 110 t-1 55 is about temperature but not above 60; 130 t-1 72 → both covered,
//   2 sources → raise red @130 (dedup fire:G-A). The smoke hit leaves the window at 100 + 120 = 220
//   → clear @220 on a timer (the clock runs to --until 300).
const EXPECTED = [
  '60s raise yellow water-rising:w-1',
  '90s raise orange water-high:w-1',
  '120s clear yellow water-rising:w-1',
  '130s raise red fire:G-A',
  '150s clear orange water-high:w-1',
  '220s clear red fire:G-A',
];

describe('rules replay', () => {
  it('prints the detections and incidents the rules would have produced (JSON)', async () => {
    const r = await cli([fixture('rules.yaml'), '--from', fixture('flood-fire.jsonl'), '--until', String(at(300)), '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as Json;
    expect(json.readings).toBe(9);
    expect(json.skipped).toEqual([{ line: 7, reason: expect.stringContaining('waterLevel') }]);
    expect(json.detections.map(brief)).toEqual(EXPECTED);
    expect(json.detections.find((d) => d.ruleId === 'water-high')?.readingTs).toBe(at(75));
    expect(json.incidents.map((i) => `${i.dedupKey} ${i.severity} ${(i.openedAt - T0) / 1000}-${(i.clearedAt! - T0) / 1000} ×${i.detections}`)).toEqual([
      'water-rising:w-1 yellow 60-120 ×2', 'water-high:w-1 orange 90-150 ×2', 'fire:G-A red 130-220 ×2',
    ]);
  });

  it('without --until the clock stops at the last reading: the fire is still open', async () => {
    const json = JSON.parse((await cli([fixture('rules.yaml'), '--from', fixture('flood-fire.jsonl'), '--json'])).out) as Json;
    expect(json.detections.map(brief)).toEqual(EXPECTED.slice(0, 5));
    expect(json.incidents.find((i) => i.dedupKey === 'fire:G-A')?.status).toBe('open');
  });

  it('--compare: fewer detections, an earlier warning, a key only in the first set', async () => {
    // rules-tuned.yaml: water-high `for` 10s (above since 60 → raise @70, 20 s earlier); no water-rising.
    const args = [fixture('rules.yaml'), '--from', fixture('flood-fire.jsonl'), '--until', String(at(300)), '--compare', fixture('rules-tuned.yaml')];
    const json = JSON.parse((await cli([...args, '--json'])).out) as Json;
    expect(json.compare!.detections.map(brief)).toEqual(['70s raise orange water-high:w-1', '130s raise red fire:G-A', '150s clear orange water-high:w-1', '220s clear red fire:G-A']);
    expect(json.compare!.diff).toMatchObject({
      detections: { a: 6, b: 4 },
      incidents: { a: 3, b: 2 },
      keys: [
        { dedupKey: 'fire:G-A', verdict: 'same', firstWarningDeltaMs: 0 },
        { dedupKey: 'water-high:w-1', verdict: 'earlier', firstWarningDeltaMs: -20_000 },
        { dedupKey: 'water-rising:w-1', verdict: 'only-a' },
      ],
    });
    const text = (await cli(args)).out;
    expect(text).toContain('detections 6 → 4 (-2), incidents 3 → 2 (-1)');
    expect(text).toContain('water-high:w-1  first warning 20s earlier');
    expect(text).toContain('water-rising:w-1  only in');
  });

  it('refuses an invalid rule file and a missing input with exit 1', async () => {
    expect((await cli([fixture('flood-fire.jsonl'), '--from', fixture('flood-fire.jsonl')])).code).toBe(1);
    const r = await cli([fixture('rules.yaml')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('exactly one of --from or --since');
  });
});
