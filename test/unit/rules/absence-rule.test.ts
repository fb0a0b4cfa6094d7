import { describe, it } from 'vitest';
import { absenceRule } from '../../../rules/operators/absence-rule.js';
import { absenceOf, brief, sensor, status, testScheduler } from './helpers.js';

describe('absenceRule operator', () => {
  const rule = absenceOf({ after: '10ms' });

  it('raises after silence, clears on return, raises again on the next silence', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      // s1 at 0 and 4 → silent from 4 → raise at 14; back at 20 → clear; silent → raise at 30.
      const readings = cold('a 3ms a 15ms a', { a: sensor('s1', { t: 1 }) });
      expectObservable(readings.pipe(absenceRule(rule, ts), brief)).toBe('14ms r 5ms c 9ms r', { r: 'raise:blue:s1', c: 'clear:blue:s1' });
    });
  });

  it('raises at once on an offline status and clears when the device is back online', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const readings = cold('a-o 16ms n', { a: sensor('s1', { t: 1 }), o: status('s1', 'offline'), n: status('s1', 'online') });
      expectObservable(readings.pipe(absenceRule(rule, ts), brief)).toBe('--r 16ms c 9ms r', { r: 'raise:blue:s1', c: 'clear:blue:s1' });
    });
  });

  it('watches each device on its own clock', () => {
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const readings = cold('a 4ms b 4ms a', { a: sensor('s1', { t: 1 }), b: sensor('s2', { t: 1 }) });
      expectObservable(readings.pipe(absenceRule(rule, ts), brief)).toBe('15ms b 4ms a', { a: 'raise:blue:s1', b: 'raise:blue:s2' });
    });
  });
});
