// The suggestion on fixtures with known true and false incidents (test/fixtures/suggestion).
import { describe, expect, it } from 'vitest';
import { suggestChange } from '../../../alerts/rule-suggestion.js';
import { caseOf, silent, smoke, water, type Series } from '../../fixtures/suggestion/cases.js';

const average = { ...water, id: 'water-avg', kind: 'window', window: '3s', aggregate: 'avg' };

const spike = (peak: number): Series => [0.2, peak, 0.2, 0.2];
const sustained = (level: number, seconds: number): Series => [0.2, ...Array<number>(seconds).fill(level), 0.2];

describe('suggestChange', () => {
  it('finds the smallest threshold over the false alarm that still raises on every true incident', () => {
    const s = suggestChange(caseOf('fa', water, spike(0.58)), [caseOf('t1', water, spike(0.7)), caseOf('t2', water, sustained(0.9, 3))])!;
    expect(s.change).toMatchObject({ path: 'above', from: 0.5, to: 0.58, rule: { ...water, above: 0.58 } });
    expect(s.trueIncidents).toEqual({ total: 2, reproduced: 2, stillRaised: 2 });
    expect(s.text).toBe(
      'above 0.5 → 0.58: this false alarm would not have raised; 2 of 2 true incident(s) of the rule in the look-back still raise (2 with evidence)',
    );
    // `for` works too (the false alarm was one reading), but is the larger change.
    expect(s.alternatives).toEqual([expect.objectContaining({ path: 'for', from: '0ms' })]);
    expect(s.alternatives[0]!.reason).toMatch(/would miss 1 of 2/);
  });

  it('lengthens `for` when a true incident peaked below the false alarm but lasted', () => {
    const s = suggestChange(caseOf('fa', water, spike(0.58)), [caseOf('t1', water, sustained(0.55, 10))])!;
    expect(s.alternatives).toEqual([expect.objectContaining({ path: 'above', to: 0.58, reason: 'would miss 1 of 1 true incident(s)' })]);
    expect(s.change).toMatchObject({ path: 'for', from: '0ms', to: '2s', rule: { ...water, for: '2s' } });
    expect(s.trueIncidents).toEqual({ total: 1, reproduced: 1, stillRaised: 1 });
  });

  it('says when no change keeps the true incidents', () => {
    const s = suggestChange(caseOf('fa', water, sustained(0.9, 10)), [caseOf('t1', water, spike(0.6))])!;
    expect(s.change).toBeUndefined();
    expect(s.text).toMatch(/^no single change of above, for avoids this false alarm while keeping the 1 true incident/);
    expect(s.trueIncidents.stillRaised).toBe(0);
  });

  it("moves a window rule's bound just past the aggregate the false alarm reached", () => {
    // avg of 0.2 and 0.9 is 0.55, the highest the false alarm's 3 s average got.
    const s = suggestChange(caseOf('fa', average, spike(0.9)), [caseOf('t1', average, sustained(0.9, 4))])!;
    expect(s.change).toMatchObject({ path: 'above', from: 0.5, to: 0.55 });
    expect(s.trueIncidents).toEqual({ total: 1, reproduced: 1, stillRaised: 1 });
  });

  it('raises the count of an event rule (within a minute when it had none)', () => {
    const s = suggestChange(caseOf('fa', smoke, ['smoke', null, 'smoke']), [caseOf('t1', smoke, ['smoke', 'smoke', 'smoke', 'smoke'])])!;
    expect(s.change).toMatchObject({ path: 'count', from: 1, to: 3, rule: { ...smoke, count: 3, window: '1m' } });
  });

  it("lengthens `after` of an absence rule past the false alarm's gap, not past the true one", () => {
    const gap = (seconds: number): Series => [0.2, ...Array<null>(seconds).fill(null), 0.2];
    // Readings 13 s apart: at `after: 13s` the deadman fires the instant the next reading arrives.
    const s = suggestChange(caseOf('fa', silent, gap(12)), [caseOf('t1', silent, gap(40))])!;
    expect(s.change).toMatchObject({ path: 'after', from: '10s', to: '14s' });
  });
});
