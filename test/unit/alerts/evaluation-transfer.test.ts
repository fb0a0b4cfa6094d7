// 综合评价 of the loop's hand-overs and rework, over cases the real incident service produced:
// a transfer counts against the department that passed the case on and for the one that took
// it; a failed verification (reject) is rework (返工) like a reopen.
import { afterEach, describe, expect, it } from 'vitest';
import { type Case, evaluate } from '../../../alerts/evaluation.js';
import { CSV_COLUMNS, evaluationCsv } from '../../../alerts/evaluation-csv.js';
import { type Harness, detection, harness } from './management-helpers.js';

describe('evaluation of transfers and rejects', () => {
  let h: Harness;
  afterEach(() => h?.close());

  const run = (id: string, steps: Array<[string, string, object?]>) => {
    for (const [action, by, extra] of steps) {
      const r = h.svc.act(id, { action: action as never, by, ...extra });
      expect(r.ok, `${action} by ${by}: ${r.ok ? '' : r.message}`).toBe(true);
    }
  };
  const cases = (): Case[] => h.svc.list({}).map((incident) => ({ incident, events: h.svc.timeline(incident.id) }));

  it('counts transfers out of and into each department, and a reject as rework', () => {
    h = harness({ departments: ['drainage-team-3'] });
    // Wrongly routed to water-affairs, passed on to drainage-team-3, closed there.
    const moved = h.svc.onDetection(detection())!;
    run(moved.id, [
      ['acknowledge', 'op'],
      ['dispatch', 'op'],
      ['transfer', 'op', { department: 'drainage-team-3', note: 'a blocked drain, not a main' }],
      ['arrive', 'crew'],
      ['feedback', 'crew'],
      ['close', 'inspector'],
    ]);
    // Kept by water-affairs, rejected once by the verifier, then closed.
    const redone = h.svc.onDetection(detection({ dedupKey: 'water-high:sensor-002', deviceId: 'sensor-002' }))!;
    run(redone.id, [
      ['acknowledge', 'op'],
      ['dispatch', 'op'],
      ['feedback', 'crew'],
      ['reject', 'inspector', { note: 'still 10 cm of water' }],
      ['feedback', 'crew'],
      ['close', 'inspector'],
    ]);

    const { rows, total } = evaluate(cases(), { groupBy: 'department' });
    const row = (g: string) => rows.find((r) => r.group === g)!;
    // water-affairs holds only the redone case now, yet keeps the transfer it gave away.
    expect(row('water-affairs')).toMatchObject({
      incidents: 1,
      transfersOut: 1,
      transfersIn: 0,
      closedOnce: 1,
      reworked: 1,
      reworkRate: 1,
    });
    expect(row('drainage-team-3')).toMatchObject({ incidents: 1, transfersOut: 0, transfersIn: 1, reworked: 0, reworkRate: 0 });
    expect(total).toMatchObject({ transfersOut: 1, transfersIn: 1, closedOnce: 2, reworked: 1, reworkRate: 0.5 });

    const lines = evaluationCsv(rows, total)
      .trimEnd()
      .split('\r\n')
      .map((l) => l.split(','));
    const col = (name: (typeof CSV_COLUMNS)[number]) => CSV_COLUMNS.indexOf(name);
    const water = lines.find((c) => c[col('group')] === 'water-affairs')!;
    expect([water[col('transfersOut')], water[col('transfersIn')]]).toEqual(['1', '0']);
  });

  it('gives a department that passed on every case its own row', () => {
    h = harness({ departments: ['drainage-team-3'] });
    const inc = h.svc.onDetection(detection())!;
    run(inc.id, [
      ['acknowledge', 'op'],
      ['dispatch', 'op'],
      ['transfer', 'op', { department: 'drainage-team-3', note: 'not ours' }],
    ]);
    const { rows } = evaluate(cases(), { groupBy: 'department' });
    expect(rows.map((r) => [r.group, r.incidents, r.transfersOut, r.transfersIn])).toEqual([
      ['drainage-team-3', 1, 0, 1],
      ['water-affairs', 0, 1, 0],
    ]);
  });
});
