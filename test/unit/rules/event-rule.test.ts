import { describe, it } from 'vitest';
import { eventRule } from '../../../rules/operators/event-rule.js';
import { brief, camera, eventOf, testScheduler } from './helpers.js';

describe('eventRule operator', () => {
  it('raises when `count` matching events from one device fall within `window`', () => {
    const rule = eventOf({ select: { event: 'flooding' }, minConfidence: 0.6, count: 2, window: '10ms', severity: 'yellow' });
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const values = { a: camera('c1', 'flooding', 0.9), b: camera('c2', 'flooding', 0.9), l: camera('c1', 'flooding', 0.3) };
      // c1 at 0; c2 at 2 (another device, does not add up); c1 low confidence at 4; c1 at 15
      // (0 has left the window); c1 at 20 → raise. Cooldown (= window) until 30: c1 at 22 and
      // 25 are only counted; c1 at 31 → raise again.
      const readings = cold('a-b-l 10ms a 4ms a-a--a 5ms a', values);
      expectObservable(readings.pipe(eventRule(rule, ts), brief)).toBe('20ms r 10ms r', { r: 'raise:yellow:c1' });
    });
  });

  it('raises on each event past its cooldown without count', () => {
    const rule = eventOf({ select: { event: 'smoke' }, minConfidence: 0.7, cooldown: '5ms' });
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const readings = cold('a-a-a-a', { a: camera('c1', 'smoke', 0.8) });
      expectObservable(readings.pipe(eventRule(rule, ts), brief)).toBe('r-----r', { r: 'raise:orange:c1' });
    });
  });
});
