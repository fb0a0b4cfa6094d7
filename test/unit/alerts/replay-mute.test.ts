import { describe, expect, it } from 'vitest';
import { casesOf, muteAsRecorded } from '../../../alerts/replay-mute.js';
import type { Silence } from '../../../alerts/silences.js';
import type { Detection } from '../../../model/detection.js';

const det = (ts: number, over: Partial<Detection> = {}): Detection => ({
  id: `d${ts}`,
  ts,
  phase: 'raise',
  ruleId: 'water-high',
  ruleVersion: 1,
  ruleName: 'w',
  ruleKind: 'threshold',
  severity: 'yellow',
  category: 'flood',
  dedupKey: 'water-high:s-1',
  deviceId: 's-1',
  deviceKind: 'sensor',
  grid: 'G-1',
  message: '',
  readingTs: ts,
  ...over,
});
const silence: Silence = {
  id: 'SIL-1',
  matchers: { device: 's-*' },
  createdBy: 'op',
  comment: 'pump test',
  startsAt: 100,
  endsAt: 200,
  createdAt: 0,
};

describe('muteAsRecorded', () => {
  it('mutes by a silence only while it was active', () => {
    const r = muteAsRecorded([det(50), det(150), det(250)], { silences: [silence], inhibitors: [] });
    expect(r.passed.map((d) => d.ts)).toEqual([50, 250]);
    expect(r.muted).toEqual([{ detection: det(150), reason: { silence: 'SIL-1' } }]);
  });

  it('mutes a lower raise that would open a case while a higher case was open, never one attaching to its own open case', () => {
    const inhibitors = [{ incidentId: 'INC-R', severity: 'red' as const, dedupKey: 'other:G-1', from: 100, to: 300 }];
    const before = muteAsRecorded([det(150), det(200, { phase: 'clear' })], { silences: [], inhibitors });
    expect(before.muted.map((m) => m.reason)).toEqual([{ inhibitedBy: 'INC-R' }]);
    const open = muteAsRecorded([det(50), det(150)], { silences: [], inhibitors });
    expect(open.muted).toEqual([]);
    const orange = muteAsRecorded([det(150, { severity: 'red' })], { silences: [], inhibitors });
    expect(orange.muted).toEqual([]); // not lower than the inhibitor
  });
});

describe('casesOf', () => {
  it('attaches until the close, as alerts/ does; a clear opens nothing; a raise after the close is a second case', () => {
    const cases = casesOf(
      [det(5, { phase: 'clear' }), det(10), det(20, { severity: 'orange' }), det(30, { phase: 'clear' }), det(40), det(200)],
      100,
    );
    expect(cases).toEqual([
      { dedupKey: 'water-high:s-1', raisedAt: 10, severity: 'orange', clearedAt: 30, detections: 4 },
      { dedupKey: 'water-high:s-1', raisedAt: 200, severity: 'yellow', clearedAt: null, detections: 1 },
    ]);
  });
});
