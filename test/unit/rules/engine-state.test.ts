// Hot reload and restart at engine level: a `for` timer keeps running across a reload of an
// unrelated rule, and a saved snapshot (JSON round trip, as in SQLite) fires after a "restart".
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../model/reading.js';
import { createRuleEngine, RuleStateEntry, type Rule } from '../../../rules/index.js';
import { brief, eventOf, sensor, testScheduler, thresholdOf, windowOf } from './helpers.js';

const water = thresholdOf({ id: 'water', select: { metric: 'waterLevel' }, above: 0.5, severity: 'orange', for: '10ms' });
const smoke = eventOf({ id: 'smoke', select: { event: 'smoke' } });
const w = (v: number) => sensor('s1', { waterLevel: v });

describe('engine hot reload', () => {
  it('a `for` timer keeps running across a reload of an unrelated rule', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const engine = createRuleEngine({ rules: [water, smoke], scheduler: ts });
      // At 5, smoke changes (v2) and a rule is added; water is unchanged → its timer from 0 fires at 10.
      ts.schedule(
        () =>
          engine.setRules([
            water,
            { ...smoke, version: 2 },
            windowOf({ id: 'hot', select: { metric: 't' }, window: '1m', aggregate: 'avg', above: 1, severity: 'blue' }),
          ]),
        5,
      );
      expectObservable(engine.detections(cold('a', { a: w(0.6) })).pipe(brief)).toBe('10ms r', { r: 'raise:orange:s1' });
    });
  });

  it('a changed rule starts over: its timer does not fire', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const engine = createRuleEngine({ rules: [water, smoke], scheduler: ts });
      ts.schedule(() => engine.setRules([{ ...water, above: 0.55 }, smoke]), 5);
      expectObservable(engine.detections(cold('a', { a: w(0.6) })).pipe(brief)).toBe('');
    });
  });
});

describe('engine snapshot and restore', () => {
  function restartAt(rules: Rule[], after: Rule[], stopAt: number, feed: Array<[number, Reading]>): string[] {
    const vts = new VirtualTimeScheduler();
    const out: string[] = [];
    const a = createRuleEngine({ rules, scheduler: vts });
    const inA = new Subject<Reading>();
    const subA = a.detections(inA).subscribe((d) => out.push(`A:${d.phase}:${d.severity}@${vts.now()}`));
    for (const [t, r] of feed) vts.schedule(() => inA.next(r), t);
    vts.schedule(() => {
      // What SQLite keeps: JSON text, parsed back and validated.
      const saved = RuleStateEntry.array().parse(JSON.parse(JSON.stringify(a.snapshot())));
      subA.unsubscribe();
      const b = createRuleEngine({ rules: after, scheduler: vts });
      out.push(`restored ${b.restore(saved)}`);
      b.detections(new Subject<Reading>()).subscribe((d) => out.push(`B:${d.phase}:${d.severity}@${vts.now()}:readingTs=${d.readingTs}`));
    }, stopAt);
    vts.flush();
    return out;
  }

  it('a `for` timer started before the restart fires after it, on the saved reading', () => {
    expect(restartAt([water], [water], 4, [[0, w(0.6)]])).toEqual(['restored 1', 'B:raise:orange@10:readingTs=0']);
  });

  it('a window keeps its samples across the restart', () => {
    const avg = windowOf({
      id: 'avg',
      select: { metric: 'waterLevel' },
      window: '100ms',
      aggregate: 'avg',
      minSamples: 3,
      above: 0.5,
      severity: 'yellow',
    });
    // Two samples before the restart, one after: only a kept window has 3 samples (avg 0.6).
    const vts = new VirtualTimeScheduler();
    const a = createRuleEngine({ rules: [avg], scheduler: vts });
    const inA = new Subject<Reading>();
    a.detections(inA).subscribe();
    inA.next(w(0.6));
    inA.next(w(0.6));
    const b = createRuleEngine({ rules: [avg], scheduler: vts });
    b.restore(JSON.parse(JSON.stringify(a.snapshot())));
    const inB = new Subject<Reading>();
    const seen: string[] = [];
    b.detections(inB).subscribe((d) => seen.push(`${d.phase}:${d.value}`));
    inB.next(w(0.6));
    expect(seen).toEqual(['raise:0.6']);
  });

  it('drops saved state of a rule whose version or content changed', () => {
    expect(restartAt([water], [{ ...water, version: 2 }], 4, [[0, w(0.6)]])).toEqual(['restored 0']);
    expect(restartAt([water], [{ ...water, for: 20 }], 4, [[0, w(0.6)]])).toEqual(['restored 0']);
  });
});
