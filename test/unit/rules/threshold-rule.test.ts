// Marble tests: the `threshold` operator on a TestScheduler's virtual clock (1 frame = 1ms).
import { describe, it } from 'vitest';
import { thresholdRule } from '../../../rules/operators/threshold-rule.js';
import { brief, counterIds, sensor, testScheduler, thresholdOf } from './helpers.js';

const w = (v: number, deviceId = 's1') => sensor(deviceId, { waterLevel: v });

describe('thresholdRule operator', () => {
  it('raises on a timer when `for` elapses with no new reading', () => {
    const rule = thresholdOf({ select: { metric: 'waterLevel' }, above: 0.5, severity: 'orange', for: '10ms' });
    testScheduler().run(({ cold, expectObservable }) => {
      const readings = cold('a 3ms b', { a: w(0.6), b: w(0.7) });
      // The default asyncScheduler runs on virtual time inside run(), like an injected one.
      expectObservable(readings.pipe(thresholdRule(rule), brief)).toBe('10ms r', { r: 'raise:orange:s1' });
    });
  });

  it('does not raise when the condition breaks before `for`, and restarts the wait', () => {
    const rule = thresholdOf({ select: { metric: 'waterLevel' }, above: 0.5, severity: 'orange', for: '10ms' });
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      // 0.6 at 0, dips at 5, back at 8 → raise at 18, not at 10.
      const readings = cold('a 4ms b 2ms a', { a: w(0.6), b: w(0.4) });
      expectObservable(readings.pipe(thresholdRule(rule, ts), brief)).toBe('18ms r', { r: 'raise:orange:s1' });
    });
  });

  it('uses the scheduler time as ts for a timer raise, and fills the Detection', () => {
    const rule = thresholdOf({
      id: 'water-high',
      name: '积水超限',
      select: { metric: 'waterLevel' },
      above: 0.5,
      severity: 'orange',
      for: '10ms',
    });
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const r = sensor('sensor-001', { waterLevel: 0.62 }, { ts: 1, district: 'haidian', grid: 'g-7', loc: { lat: 39.9, lon: 116.3 } });
      expectObservable(cold('a', { a: r }).pipe(thresholdRule(rule, ts, { newId: counterIds() }))).toBe('10ms d', {
        d: {
          id: 'det-1',
          ts: 10,
          phase: 'raise',
          ruleId: 'water-high',
          ruleVersion: 1,
          ruleName: '积水超限',
          ruleKind: 'threshold',
          severity: 'orange',
          category: 'test',
          dedupKey: 'water-high:sensor-001',
          deviceId: 'sensor-001',
          deviceKind: 'sensor',
          district: 'haidian',
          grid: 'g-7',
          loc: { lat: 39.9, lon: 116.3 },
          metric: 'waterLevel',
          value: 0.62,
          message: '积水超限: waterLevel 0.62 > 0.5 (sensor-001)',
          readingTs: 1,
        },
      });
    });
  });

  it('clears with hysteresis, once', () => {
    const rule = thresholdOf({ select: { metric: 'waterLevel' }, above: 0.5, clear: { below: 0.4 }, severity: 'orange' });
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const readings = cold('a-b-c-d-c-a', { a: w(0.6), b: w(0.45), c: w(0.3), d: w(0.45) });
      expectObservable(readings.pipe(thresholdRule(rule, ts), brief)).toBe('r---c-----r', { r: 'raise:orange:s1', c: 'clear:orange:s1' });
    });
  });

  it('escalates across levels, never down, and clears at the severity reached', () => {
    const rule = thresholdOf({
      select: { metric: 'waterLevel' },
      clear: { below: 0.25 },
      levels: [
        { severity: 'yellow', above: 0.3 },
        { severity: 'orange', above: 0.5 },
        { severity: 'red', above: 0.8 },
      ],
    });
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const readings = cold('y-o-y-r-o-x', { y: w(0.35), o: w(0.6), r: w(0.9), x: w(0.2) });
      expectObservable(readings.pipe(thresholdRule(rule, ts), brief)).toBe('y-o---r---c', {
        y: 'raise:yellow:s1',
        o: 'raise:orange:s1',
        r: 'raise:red:s1',
        c: 'clear:red:s1',
      });
    });
  });

  it('with levels and `for`, each level raises when it has held long enough, on timers', () => {
    const rule = thresholdOf({
      select: { metric: 'waterLevel' },
      for: '10ms',
      levels: [
        { severity: 'yellow', above: 0.3 },
        { severity: 'red', above: 0.8 },
      ],
    });
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      // yellow from 0, red from 5: yellow at 10, red at 15, without further readings.
      const readings = cold('y 4ms r', { y: w(0.35), r: w(0.9) });
      expectObservable(readings.pipe(thresholdRule(rule, ts), brief)).toBe('10ms y 4ms r', { y: 'raise:yellow:s1', r: 'raise:red:s1' });
    });
  });

  it('keeps devices apart', () => {
    const rule = thresholdOf({ select: { metric: 'waterLevel' }, above: 0.5, severity: 'orange', for: '5ms' });
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const readings = cold('a-b-c', { a: w(0.6, 's1'), b: w(0.6, 's2'), c: w(0.1, 's1') });
      expectObservable(readings.pipe(thresholdRule(rule, ts), brief)).toBe('7ms b', { b: 'raise:orange:s2' });
    });
  });

  it('drops pending timers and completes when the readings complete', () => {
    const rule = thresholdOf({ select: { metric: 'waterLevel' }, above: 0.5, severity: 'orange', for: '10ms' });
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      expectObservable(cold('a-|', { a: w(0.6) }).pipe(thresholdRule(rule, ts), brief)).toBe('--|');
    });
  });

  it('ignores readings outside the selector', () => {
    const rule = thresholdOf({ select: { metric: 'waterLevel', device: 'w-*' }, above: 0.5, severity: 'orange' });
    const ts = testScheduler();
    ts.run(({ cold, expectObservable }) => {
      const readings = cold('a-b', { a: w(0.9, 'g-1'), b: w(0.9, 'w-1') });
      expectObservable(readings.pipe(thresholdRule(rule, ts), brief)).toBe('--b', { b: 'raise:orange:w-1' });
    });
  });
});
