import { firstValueFrom, from, Subject, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../model/reading.js';
import type { Detection } from '../../../model/detection.js';
import { createRuleEngine, DEFAULT_RULES_PATH, loadRuleFileFromPath } from '../../../rules/index.js';
import { absenceOf, brief, camera, counterIds, eventOf, reading, sensor, testScheduler, thresholdOf } from './helpers.js';

const water = thresholdOf({ id: 'water', select: { metric: 'waterLevel' }, above: 0.5, clear: { below: 0.4 }, severity: 'orange' });
const smoke = eventOf({ id: 'smoke', select: { event: 'smoke' }, minConfidence: 0.7 });
const summary = (d: Detection) => `${d.ruleId}:${d.phase}:${d.deviceId}`;

describe('createRuleEngine', () => {
  it('runs every enabled rule over one stream, with ids from newId', async () => {
    const off = thresholdOf({ id: 'off', select: { metric: 'waterLevel' }, above: 0, severity: 'blue', enabled: false });
    const engine = createRuleEngine({ rules: [water, smoke, off], newId: counterIds() });
    // A synchronous source: every rule must still see every reading.
    const out = await firstValueFrom(
      engine.detections(from([sensor('s1', { waterLevel: 0.9 }), camera('c1', 'smoke', 0.9)])).pipe(toArray()),
    );
    expect(out.map(summary).sort()).toEqual(['smoke:raise:c1', 'water:raise:s1']);
    expect(out.map((d) => d.id).sort()).toEqual(['det-1', 'det-2']);
    expect(engine.rules().map((r) => r.id)).toEqual(['water', 'smoke', 'off']);
  });

  it('keeps going past odd readings and throwing rules, and reports them to onError', async () => {
    const errors: string[] = [];
    const engine = createRuleEngine({ rules: [water, smoke], onError: (_err, ctx) => errors.push(ctx.ruleId) });
    // smoke's selector accepts it (it has a smoke event), then its step throws on the events.
    const odd = reading({
      deviceId: 'c1',
      kind: 'camera',
      events: Object.assign([{ type: 'smoke', confidence: 0.9 }], {
        filter: () => {
          throw new Error('bad events');
        },
      }),
    });
    // water's selector throws on the metrics; smoke's selector never looks at them.
    const hostile = reading({
      deviceId: 'x',
      metrics: new Proxy(
        {},
        {
          get: () => {
            throw new Error('boom');
          },
        },
      ),
    });
    const readings = [sensor('s1', { waterLevel: 0.9 }), odd, hostile, camera('c1', 'smoke', 0.9), sensor('s1', { waterLevel: 0.1 })];
    const out = await firstValueFrom(engine.detections(from(readings)).pipe(toArray()));
    expect(out.map(summary)).toEqual(['water:raise:s1', 'smoke:raise:c1', 'water:clear:s1']);
    expect(errors.sort()).toEqual(['smoke', 'water']);
  });

  it('swaps rule sets keeping the state of unchanged rules', () => {
    const engine = createRuleEngine({ rules: [water, smoke] });
    const readings = new Subject<Reading>();
    const seen: string[] = [];
    const sub = engine.detections(readings).subscribe((d) => seen.push(summary(d)));
    readings.next(sensor('s1', { waterLevel: 0.9 }));
    const gas = thresholdOf({ id: 'gas', select: { metric: 'gas' }, above: 20, severity: 'red' });
    engine.setRules([water, gas]); // water unchanged, smoke removed, gas added
    readings.next(sensor('s1', { waterLevel: 0.3, gas: 30 })); // water clears only if it remembers its raise
    readings.next(camera('c1', 'smoke', 0.99));
    engine.setRules([{ ...water, version: 2 }, gas]); // a new version starts fresh
    readings.next(sensor('s1', { waterLevel: 0.3 }));
    sub.unsubscribe();
    expect(seen).toEqual(['water:raise:s1', 'water:clear:s1', 'gas:raise:s1']);
    expect(engine.rules().map((r) => `${r.id}@${r.version}`)).toEqual(['water@2', 'gas@1']);
  });

  it('runs timer rules on the given scheduler', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const engine = createRuleEngine({ rules: [absenceOf({ id: 'gone', after: '10ms' }), water], scheduler: ts });
      const readings = cold('a', { a: sensor('s1', { waterLevel: 0.6 }) });
      expectObservable(engine.detections(readings).pipe(brief)).toBe('w 9ms g', { w: 'raise:orange:s1', g: 'raise:blue:s1' });
    });
  });

  it('runs the default rule set on demo readings', async () => {
    const loaded = await loadRuleFileFromPath(DEFAULT_RULES_PATH);
    if (!loaded.ok) throw new Error('default rules invalid');
    const engine = createRuleEngine({ rules: loaded.rules });
    const out = await firstValueFrom(
      engine
        .detections(
          from([camera('cam-01', 'fire', 0.9), camera('cam-01', 'smoke', 0.6), sensor('drone-1', { battery: 10 }, { kind: 'drone' })]),
        )
        .pipe(toArray()),
    );
    expect(out.map((d) => `${d.ruleId}:${d.severity}:${d.message}`)).toEqual([
      'camera-fire:red:明火: fire 0.9 ≥ 0.6 (cam-01)',
      'drone-low-battery:yellow:无人机低电量: battery 10 < 15 (drone-1)',
    ]);
  });
});
