// The engine's dispatch index: each rule gets only the readings its selector can
// match, and must decide exactly as if it saw them all.
import { firstValueFrom, from, merge, toArray, type SchedulerLike } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../model/reading.js';
import type { Detection } from '../../../model/detection.js';
import { createRuleEngine } from '../../../rules/index.js';
import { absenceRule } from '../../../rules/operators/absence-rule.js';
import { ruleFor } from '../../../rules/operators/rule-for.js';
import { absenceOf, brief, camera, counterIds, drone, eventOf, sensor, status, testScheduler, thresholdOf } from './helpers.js';

const rules = [
  thresholdOf({ id: 'water', select: { kind: 'sensor', metric: 'waterLevel' }, above: 0.5, clear: { below: 0.4 }, severity: 'orange' }),
  thresholdOf({ id: 'water-any', select: { metric: 'waterLevel' }, above: 0.8, severity: 'red' }),
  thresholdOf({ id: 'gas', select: { kind: 'sensor', metric: 'gas' }, above: 20, severity: 'red' }),
  thresholdOf({ id: 'battery', select: { kind: 'drone', metric: 'battery' }, below: 15, severity: 'yellow' }),
  thresholdOf({ id: 'north', select: { device: 'n-*', metric: 'gas' }, above: 5, severity: 'blue' }),
  eventOf({ id: 'smoke', select: { event: 'smoke' }, minConfidence: 0.7 }),
  eventOf({ id: 'smoke-cam', select: { kind: 'camera', event: 'smoke', district: 'd1' }, minConfidence: 0.5 }),
  absenceOf({ id: 'quiet', select: { kind: 'sensor', metric: 'waterLevel' }, after: '1h' }),
];

const stream: Reading[] = [
  sensor('s1', { waterLevel: 0.9 }),
  sensor('n-1', { gas: 30, waterLevel: 0.1 }),
  camera('c1', 'smoke', 0.9, { district: 'd1' }),
  camera('c2', 'smoke', 0.6),
  drone('d1', 1, 2, 50, {
    metrics: { battery: 10, alt: 50 },
    events: [
      { type: 'smoke', confidence: 0.8 },
      { type: 'smoke', confidence: 0.9 },
    ],
  }),
  status('s1', 'offline'),
  sensor('s1', { waterLevel: 0.1 }),
  sensor('s2', { temperature: 20 }),
  status('s2', 'offline'),
];

const summary = (d: Detection) => `${d.ruleId}:${d.phase}:${d.deviceId}`;

describe('rule dispatch', () => {
  it('gives every rule the detections it gives when it sees every reading', async () => {
    const engine = createRuleEngine({ rules, newId: counterIds() });
    const viaEngine = await firstValueFrom(engine.detections(from(stream)).pipe(toArray()));
    // Each rule alone over the whole stream: what the engine did before the index.
    const alone = await firstValueFrom(merge(...rules.map((r) => from(stream).pipe(ruleFor(r)))).pipe(toArray()));
    expect(viaEngine.map(summary).sort()).toEqual(alone.map(summary).sort());
    expect(viaEngine.map(summary)).toContain('quiet:raise:s1'); // an absence rule hears status messages
    // A reading with two smoke detections reaches the smoke rule once, as before.
    expect(viaEngine.filter((d) => d.ruleId === 'smoke' && d.deviceId === 'd1')).toHaveLength(
      alone.filter((d) => d.ruleId === 'smoke' && d.deviceId === 'd1').length,
    );
  });

  it('keeps the rules in their order for each reading', async () => {
    const engine = createRuleEngine({ rules: [rules[1]!, rules[0]!] });
    const out = await firstValueFrom(engine.detections(from([sensor('s1', { waterLevel: 0.9 })])).pipe(toArray()));
    expect(out.map((d) => d.ruleId)).toEqual(['water-any', 'water']);
  });
});

describe('rule timers', () => {
  it('moves a wake-up that readings keep pushing on without rescheduling a timer per reading', () => {
    const ts = testScheduler();
    let scheduled = 0;
    const counting: SchedulerLike = {
      now: () => ts.now(),
      schedule: (...args: Parameters<SchedulerLike['schedule']>) => (scheduled++, ts.schedule(...args)),
    };
    ts.run(({ cold, expectObservable }) => {
      // 100 readings 1 ms apart (frames 0…99), then silence: the deadman raises exactly 10 ms after the last.
      const readings = cold(`${'a '.repeat(99)}a`, { a: sensor('s1', { t: 1 }) });
      expectObservable(readings.pipe(absenceRule(absenceOf({ after: '10ms' }), counting), brief)).toBe('109ms r', { r: 'raise:blue:s1' });
    });
    expect(scheduled).toBeLessThanOrEqual(15); // about one per 10 ms of readings, not one per reading
  });
});
