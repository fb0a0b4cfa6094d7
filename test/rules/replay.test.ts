// `citysense rules replay` on a recorded JSONL fixture; every expected detection is worked
// out by hand in ../fixtures/replay/expected.ts. Times are seconds after T0 = 2026-05-01T10:00:00Z.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runReplay } from '../../app/replay.js';
import type { Detection, ReplayComparison, ReplayIncident } from '../../rules/index.js';
import { EXPECTED, T0, at, brief, fixture } from '../fixtures/replay/expected.js';

async function cli(args: string[]) {
  const logs: string[] = [];
  const errors: string[] = [];
  const code = await runReplay(args, { log: (s) => logs.push(s), error: (s) => errors.push(s) }, {}, at(1000));
  return { code, out: logs.join('\n'), err: errors.join('\n') };
}

type Json = {
  readings: number;
  detections: Detection[];
  incidents: ReplayIncident[];
  skipped: { line: number; reason: string }[];
  compare?: { detections: Detection[]; diff: ReplayComparison };
};

describe('rules replay', () => {
  it('prints the detections and incidents the rules would have produced (JSON)', async () => {
    const r = await cli([fixture('rules.yaml'), '--from', fixture('flood-fire.jsonl'), '--until', String(at(300)), '--json']);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.out) as Json;
    expect(json.readings).toBe(9);
    expect(json.skipped).toEqual([{ line: 7, reason: expect.stringContaining('waterLevel') }]);
    expect(json.detections.map(brief)).toEqual(EXPECTED);
    expect(json.detections.find((d) => d.ruleId === 'water-high')?.readingTs).toBe(at(75));
    expect(
      json.incidents.map((i) => `${i.dedupKey} ${i.severity} ${(i.openedAt - T0) / 1000}-${(i.clearedAt! - T0) / 1000} ×${i.detections}`),
    ).toEqual(['water-rising:w-1 yellow 60-120 ×2', 'water-high:w-1 orange 90-150 ×2', 'fire:G-A red 130-220 ×2']);
  });

  it('without --until the clock stops at the last reading: the fire is still open', async () => {
    const json = JSON.parse((await cli([fixture('rules.yaml'), '--from', fixture('flood-fire.jsonl'), '--json'])).out) as Json;
    expect(json.detections.map(brief)).toEqual(EXPECTED.slice(0, 5));
    expect(json.incidents.find((i) => i.dedupKey === 'fire:G-A')?.status).toBe('open');
  });

  it('--compare: fewer detections, an earlier warning, a key only in the first set', async () => {
    // rules-tuned.yaml: water-high `for` 10s (above since 60 → raise @70, 20 s earlier); no water-rising.
    const args = [
      fixture('rules.yaml'),
      '--from',
      fixture('flood-fire.jsonl'),
      '--until',
      String(at(300)),
      '--compare',
      fixture('rules-tuned.yaml'),
    ];
    const json = JSON.parse((await cli([...args, '--json'])).out) as Json;
    expect(json.compare!.detections.map(brief)).toEqual([
      '70s raise orange water-high:w-1',
      '130s raise red fire:G-A',
      '150s clear orange water-high:w-1',
      '220s clear red fire:G-A',
    ]);
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

  it('prints - for a recorded time no date can carry, instead of failing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'citysense-replay-ts-'));
    const file = join(dir, 'broken-clock.jsonl');
    const line = { topic: 'city/sensor/w-1/telemetry', payload: { metrics: { waterLevel: 0.2 } } };
    writeFileSync(file, `${JSON.stringify({ ...line, ts: T0 })}\n${JSON.stringify({ ...line, ts: 1e300 })}\n`);
    const r = await cli([fixture('rules.yaml'), '--from', file]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('2 reading(s) replayed, 2026-05-01T10:00:00.000Z … -');
  });

  it('refuses an invalid rule file and a missing input with exit 1', async () => {
    expect((await cli([fixture('flood-fire.jsonl'), '--from', fixture('flood-fire.jsonl')])).code).toBe(1);
    const r = await cli([fixture('rules.yaml')]);
    expect(r.code).toBe(1);
    expect(r.err).toContain('exactly one of --from or --since');
  });
});
