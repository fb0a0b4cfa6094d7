// engine.release: a key's state starts afresh (the alert path could not handle its raise), so
// the next matching reading raises again; other keys and rules keep theirs.
import { Subject, VirtualTimeScheduler } from 'rxjs';
import { describe, expect, it } from 'vitest';
import type { Reading } from '../../../model/reading.js';
import { createRuleEngine, slotEntry, type Rule } from '../../../rules/index.js';
import { eventOf, sensor, thresholdOf } from './helpers.js';

const water = thresholdOf({ id: 'water', select: { metric: 'waterLevel' }, above: 0.5, severity: 'orange' });
const w = (device: string, v: number) => sensor(device, { waterLevel: v });

const taken = <T>(it: Iterator<T>): T[] => {
  const out: T[] = [];
  for (let r = it.next(); !r.done; r = it.next()) out.push(r.value);
  return out;
};

function run(rules: Rule[]) {
  const vts = new VirtualTimeScheduler();
  const engine = createRuleEngine({ rules, scheduler: vts });
  const input = new Subject<Reading>();
  const seen: string[] = [];
  engine.detections(input).subscribe((d) => seen.push(`${d.ruleId}:${d.phase}:${d.deviceId}@${vts.now()}`));
  return { vts, engine, input, seen };
}

describe('engine.release', () => {
  it('a released key raises again on the next matching reading; without release it does not', () => {
    for (const release of [false, true]) {
      const { engine, input, seen } = run([water]);
      input.next(w('s1', 0.6));
      if (release) expect(engine.release('water', 's1')).toBe(true);
      input.next(w('s1', 0.7));
      expect(seen).toEqual(release ? ['water:raise:s1@0', 'water:raise:s1@0'] : ['water:raise:s1@0']);
    }
  });

  it('leaves other keys and other rules raised', () => {
    const smoke = eventOf({ id: 'smoke', select: { event: 'smoke' } });
    const { engine, input, seen } = run([water, smoke]);
    input.next(w('s1', 0.6));
    input.next(w('s2', 0.6));
    engine.release('water', 's1');
    input.next(w('s1', 0.7));
    input.next(w('s2', 0.7));
    expect(seen).toEqual(['water:raise:s1@0', 'water:raise:s2@0', 'water:raise:s1@0']);
  });

  it('stops a pending `for` timer of the key', () => {
    const slow = thresholdOf({ id: 'slow', select: { metric: 'waterLevel' }, above: 0.5, severity: 'orange', for: '10ms' });
    const { vts, engine, input, seen } = run([slow]);
    vts.schedule(() => input.next(w('s1', 0.6)), 0);
    vts.schedule(() => engine.release('slow', 's1'), 5);
    vts.flush();
    expect(seen).toEqual([]);
    // Held again from 20: raises at 30, the new `for`.
    vts.schedule(() => input.next(w('s1', 0.6)), 15);
    vts.flush();
    expect(seen).toEqual(['slow:raise:s1@30']);
  });

  it('marks the slot changed with the fresh state, so a save forgets the raise too', () => {
    const { engine, input } = run([water]);
    input.next(w('s1', 0.6));
    taken(engine.takeChanged()); // saved
    engine.release('water', 's1');
    const changed = taken(engine.takeChanged()).map(slotEntry);
    expect(changed).toMatchObject([{ ruleId: 'water', key: 's1', state: { raised: null } }]);
  });

  it('says false for a key or rule it does not hold', () => {
    const { engine, input } = run([water]);
    input.next(w('s1', 0.6));
    expect(engine.release('water', 'nobody')).toBe(false);
    expect(engine.release('no-such-rule', 's1')).toBe(false);
  });
});
