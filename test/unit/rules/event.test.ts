import { describe, expect, it } from 'vitest';
import { event, type EventRule } from '../../../rules/event.js';
import { camera, eventOf, reading } from './helpers.js';

/** Run (time, confidence) pairs of smoke events; return the times of raises. */
function raisesAt(rule: EventRule, steps: [number, number][]): number[] {
  let state = event.init(rule);
  const out: number[] = [];
  for (const [now, confidence] of steps) {
    const r = event.step(rule, state, camera('cam-1', 'smoke', confidence, { ts: now }), now);
    state = r.state;
    out.push(...r.emit.map((d) => d.ts));
  }
  return out;
}

describe('event.step', () => {
  it.each<[string, Record<string, unknown>, [number, number][], number[]]>([
    [
      'raises at minConfidence and above',
      { minConfidence: 0.7 },
      [
        [0, 0.69],
        [1, 0.7],
      ],
      [1],
    ],
    [
      'cools down for 60s by default',
      {},
      [
        [0, 0.9],
        [59_999, 0.9],
        [60_000, 0.9],
      ],
      [0, 60_000],
    ],
    [
      'cooldown can be set',
      { cooldown: '5s' },
      [
        [0, 0.9],
        [4_000, 0.9],
        [5_000, 0.9],
      ],
      [0, 5_000],
    ],
    [
      'count within window',
      { count: 3, window: '10s' },
      [
        [0, 0.9],
        [5_000, 0.9],
        [11_000, 0.9],
        [12_000, 0.9],
      ],
      [12_000],
    ],
    [
      'count: events outside the window do not add up',
      { count: 2, window: '10s' },
      [
        [0, 0.9],
        [10_000, 0.9],
        [20_000, 0.9],
      ],
      [],
    ],
    [
      'count: low-confidence events do not count',
      { count: 2, window: '10s', minConfidence: 0.8 },
      [
        [0, 0.9],
        [1_000, 0.5],
        [2_000, 0.85],
      ],
      [2_000],
    ],
    [
      'count: cooldown defaults to the window',
      { count: 1, window: '10s' },
      [
        [0, 0.9],
        [9_000, 0.9],
        [10_000, 0.9],
      ],
      [0, 10_000],
    ],
  ])('%s', (_, fields, steps, expected) => {
    expect(raisesAt(eventOf({ select: { event: 'smoke' }, ...fields }), steps)).toEqual(expected);
  });

  it('ignores other event types and counts each matching drone detection', () => {
    const rule = eventOf({ select: { event: 'smoke' }, count: 2, window: '1m' });
    const other = event.step(rule, event.init(rule), camera('cam-1', 'fire', 1), 0);
    expect(other.emit).toEqual([]);
    const drone = reading({
      deviceId: 'drone-1',
      kind: 'drone',
      events: [
        { type: 'smoke', confidence: 0.7 },
        { type: 'smoke', confidence: 0.95, loc: { lat: 1, lon: 2 } },
      ],
    });
    const r = event.step(rule, event.init(rule), drone, 0);
    expect(r.emit).toMatchObject([
      { phase: 'raise', eventType: 'smoke', value: 0.95, loc: { lat: 1, lon: 2 }, message: 'Smoke: smoke ×2 within 1m (drone-1)' },
    ]);
  });

  it('writes Chinese messages for Chinese names and never clears', () => {
    const rule = eventOf({ name: '烟雾', select: { event: 'smoke' }, minConfidence: 0.7 });
    const r = event.step(rule, event.init(rule), camera('cam-01', 'smoke', 0.85), 0);
    expect(r.emit[0]?.message).toBe('烟雾: smoke 0.85 ≥ 0.7 (cam-01)');
    expect(event.tick(rule, r.state, 1e9).emit).toEqual([]);
  });
});
