// The pure parts of 回访: link states, who gets a link, the answer's parsing, the token, and the
// residents' figures in 综合评价 (kept apart from the satisfaction typed in at close).
import { describe, expect, it } from 'vitest';
import {
  FollowUpAnswer,
  TOKEN_PATTERN,
  hashToken,
  linkStatus,
  newToken,
  wantsFollowUp,
  type FollowUpLink,
} from '../../../alerts/follow-up.js';
import { followUpFigures, residentScore } from '../../../alerts/evaluation-follow-up.js';
import type { Case } from '../../../alerts/evaluation.js';
import type { Incident, IncidentEvent } from '../../../model/incident.js';

const link: FollowUpLink = { tokenHash: 'h', incidentId: 'INC-1', createdAt: 1_000, expiresAt: 2_000 };

describe('follow-up links', () => {
  it.each([
    ['no link', undefined, 1_500, 'unknown'],
    ['open until it expires', link, 1_999, 'open'],
    ['expired at expiresAt', link, 2_000, 'expired'],
    ['answered, even after expiry', { ...link, answeredAt: 1_500 }, 5_000, 'answered'],
    ['superseded by a later close', { ...link, supersededAt: 1_200 }, 1_500, 'superseded'],
  ] as const)('%s', (_, l, now, status) => {
    expect(linkStatus(l, now)).toBe(status);
  });

  const report = { source: 'hotline_12345' } as Incident;
  it.each([
    ['a report', report, undefined, true],
    ['a rule detection', { ...report, source: 'rule' }, undefined, false],
    ['a report already answered', { ...report, followUp: { sentAt: 1, expiresAt: 2, answeredAt: 2, score: 90 } }, undefined, false],
    ['a report sent before, unanswered', { ...report, followUp: { sentAt: 1, expiresAt: 2 } }, undefined, true],
    ['a listed source', report, ['hotline_12345'], true],
    ['an unlisted source', { ...report, source: 'patrol' }, ['hotline_12345'], false],
  ] as const)('wantsFollowUp: %s', (_, inc, sources, want) => {
    expect(wantsFollowUp(inc as Incident, sources)).toBe(want);
  });

  it('makes 256-bit tokens and stores only their SHA-256', () => {
    const a = newToken();
    expect(a).toMatch(TOKEN_PATTERN);
    expect(a).not.toBe(newToken());
    expect(hashToken(a)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashToken(a)).not.toContain(a);
  });

  it.each([
    [{ score: 90 }, { score: 90 }],
    [{ score: '0', comment: '  ' }, { score: 0 }],
    [
      { score: ' 100 ', comment: ' 很好 ' },
      { score: 100, comment: '很好' },
    ],
  ])('takes %j', (input, value) => {
    expect(FollowUpAnswer.parse(input)).toEqual(value);
  });

  it.each([[{}], [{ score: '' }], [{ score: 101 }], [{ score: -1 }], [{ score: 89.5 }], [{ score: '9x' }], [{ score: null }]])(
    'refuses %j naming score',
    (input) => {
      const r = FollowUpAnswer.safeParse(input);
      expect(r.success).toBe(false);
      expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['score']);
    },
  );

  it('refuses a comment over 1000 characters naming comment', () => {
    const r = FollowUpAnswer.safeParse({ score: 50, comment: 'x'.repeat(1001) });
    expect(r.error!.issues.map((i) => i.path.join('.'))).toEqual(['comment']);
  });
});

const ev = (type: IncidentEvent['type'], data?: Record<string, unknown>): IncidentEvent => ({
  id: 0,
  incidentId: 'x',
  ts: 0,
  type,
  actor: 't',
  ...(data ? { data } : {}),
});
const kase = (events: IncidentEvent[], satisfaction?: number): Case => ({ incident: { satisfaction } as Incident, events });

describe('residents’ figures', () => {
  it('reads the last answer from the timeline, ignoring the close satisfaction', () => {
    expect(residentScore(kase([ev('closed', { satisfaction: 10 })], 10))).toBeUndefined();
    expect(
      residentScore(kase([ev('follow_up_sent'), ev('follow_up', { score: 70 }), ev('reopened'), ev('follow_up', { score: 95 })])),
    ).toBe(95);
  });

  it.each([
    ['no case', [], { links: 0, n: 0, average: null, responseRate: null, target: 85, met: null }],
    [
      'two answered of three sent, one unsent',
      [
        kase([ev('follow_up_sent'), ev('follow_up', { score: 90 })]),
        kase([ev('follow_up_sent'), ev('follow_up', { score: 70 }), ev('reopened')]),
        kase([ev('follow_up_sent')]),
        kase([ev('closed')], 100),
      ],
      { links: 3, n: 2, average: 80, responseRate: 2 / 3, target: 85, met: false },
    ],
    [
      'one at the target',
      [kase([ev('follow_up_sent'), ev('follow_up', { score: 85 })])],
      { links: 1, n: 1, average: 85, responseRate: 1, target: 85, met: true },
    ],
  ] as const)('%s', (_, cases, want) => {
    expect(followUpFigures(cases as readonly Case[], 85)).toEqual(want);
  });
});
