// The evaluation's input read back from real SQLite: every incident in [from, to) with its timeline.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { evaluate } from '../../../alerts/evaluation.js';
import { type Harness, T0, detection, harness } from './management-helpers.js';

describe('case reader (SQLite)', () => {
  let h: Harness;
  beforeEach(() => {
    h = harness();
  });
  afterEach(() => h.close());

  it('returns the incidents created in [from, to), each with its whole timeline in order', () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      h.clock.now = T0 + i * 1000;
      ids.push(h.svc.onDetection(detection({ dedupKey: `k${i}`, deviceId: `s${i}` }))!.id);
    }
    h.clock.now = T0 + 5000;
    h.svc.act(ids[1]!, { action: 'acknowledge', by: 'op' });
    h.svc.act(ids[1]!, { action: 'false_alarm', by: 'op' });
    const cases = h.store.cases.casesBetween(T0 + 1000, T0 + 2000);
    expect(cases.map((c) => c.incident.id)).toEqual([ids[1]]);
    expect(cases[0]!.events.map((e) => e.type)).toEqual(['opened', 'acknowledged', 'false_alarm']);
    expect(h.store.cases.casesBetween(T0, T0 + 3000)).toHaveLength(3);
    expect(evaluate(h.store.cases.casesBetween(T0, T0 + 3000)).total).toMatchObject({
      incidents: 3,
      falseAlarms: 1,
      timeToAcknowledgeMs: { n: 1, p50: 4000 },
    });
  });
});
