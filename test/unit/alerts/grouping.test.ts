import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findGroupIncident, groupOf, withMember } from '../../../alerts/grouping.js';
import type { Incident } from '../../../model/incident.js';
import { createIncidentService, type IncidentService } from '../../../alerts/incidents.js';
import { DEFAULT_ROUTING, RoutingTable, createRouter } from '../../../alerts/routing.js';
import type { Detection } from '../../../model/detection.js';
import { type SqliteStore, openSqliteStore } from '../../../store/index.js';
import { formatRuleIssue, parseRuleSet } from '../../../rules/index.js';
import { loadConfig } from '../../../app/config.js';
import { ConfigError } from '../../../app/errors.js';
import { T0, detection } from './management-helpers.js';

/** A device-offline detection of the absence rule on `device` in `grid`. */
const offline = (device: string, grid: string | undefined, over: Partial<Detection> = {}): Detection =>
  detection({
    ruleId: 'device-offline',
    ruleName: '设备离线',
    ruleKind: 'absence',
    severity: 'blue',
    category: 'device',
    dedupKey: `device-offline:${device}`,
    deviceId: device,
    grid,
    metric: undefined,
    value: undefined,
    ...over,
  });
const BY_GRID = { absence: { by: 'grid' as const, window: 120_000 } };

describe('groupOf', () => {
  it.each([
    ['the kind default by grid', offline('s1', 'G-1'), BY_GRID, 'device-offline|grid:G-1'],
    [
      'the rule’s own spec over the default',
      offline('s1', 'G-1', { group: { by: 'district', window: 60_000 } }),
      BY_GRID,
      'device-offline|district:huangpu',
    ],
    ['by rule: one group for the whole rule', offline('s1', 'G-1', { group: { by: 'rule', window: 60_000 } }), {}, 'device-offline|rule:*'],
    ['by device: no grouping', offline('s1', 'G-1', { group: { by: 'device', window: 60_000 } }), BY_GRID, undefined],
    ['no grid to share: no grouping', offline('s1', undefined), BY_GRID, undefined],
    ['no spec for the kind: no grouping', detection(), BY_GRID, undefined],
  ])('%s', (_name, d, defaults, key) => {
    expect(groupOf(d, defaults)?.key).toBe(key);
  });
});

describe('the group option', () => {
  const rule = (group: unknown) => ({
    rules: [{ id: 'off', version: 1, name: 'off', kind: 'absence', after: '1m', severity: 'blue', category: 'device', group }],
  });
  it('parses on a rule with its window in ms, and refuses a bad one naming the field', () => {
    const ok = parseRuleSet(rule({ by: 'district', window: '5m' }));
    expect(ok.ok && ok.rules[0]!.group).toEqual({ by: 'district', window: 300_000 });
    const bad = parseRuleSet(rule({ by: 'street', window: 'soon' }));
    expect(bad.ok ? [] : bad.issues.map(formatRuleIssue)).toEqual([
      expect.stringMatching(/^rules\[0\] \(off\): group\.by: /),
      expect.stringMatching(/^rules\[0\] \(off\): group\.window: .*duration/),
    ]);
  });
  it('config `grouping` defaults to absence by grid, and a bad entry names its path', () => {
    expect(loadConfig({}).grouping).toEqual({ absence: { by: 'grid', window: 120_000 } });
    expect(() => loadConfig({}, { grouping: { absence: { by: 'grid', window: '0s' } } })).toThrow(ConfigError);
    expect(() => loadConfig({}, { grouping: { absence: { by: 'grid', window: '0s' } } })).toThrow(/grouping\.absence\.window/);
  });
});

describe('members and windows', () => {
  const g = { by: 'grid' as const, key: 'device-offline|grid:G-1', window: 120_000 };
  const open = (members: Array<[string, number]>, over: Partial<Incident> = {}) =>
    ({
      id: 'I',
      state: 'warning',
      createdAt: members[0]![1],
      group: g,
      members: members.map(([deviceId, ts]) => ({ deviceId, firstTs: ts, lastTs: ts })),
      ...over,
    }) as Incident;

  it('joins within the window of the latest new member, not after it', () => {
    const inc = open([
      ['s1', T0],
      ['s2', T0 + 100_000],
    ]);
    expect(findGroupIncident([inc], g, offline('s3', 'G-1', { ts: T0 + 220_000 }))).toBe(inc);
    expect(findGroupIncident([inc], g, offline('s3', 'G-1', { ts: T0 + 220_001 }))).toBeUndefined();
  });

  it('a member’s repeat or clear attaches however late; a closed group takes nothing', () => {
    const inc = open([['s1', T0]]);
    expect(findGroupIncident([inc], g, offline('s1', 'G-1', { ts: T0 + 1e9 }))).toBe(inc);
    expect(findGroupIncident([inc], g, offline('s1', 'G-1', { ts: T0 + 1e9, phase: 'clear' }))).toBe(inc);
    expect(findGroupIncident([inc], g, offline('s9', 'G-1', { ts: T0, phase: 'clear' }))).toBeUndefined();
    expect(findGroupIncident([{ ...inc, state: 'closed' }], g, offline('s1', 'G-1'))).toBeUndefined();
  });

  it('withMember appends a new device, moves lastTs of a known one, marks and unmarks a clear', () => {
    const one = withMember([], offline('s1', 'G-1', { ts: 10 }));
    const two = withMember(one, offline('s2', 'G-1', { ts: 20 }));
    const again = withMember(two, offline('s1', 'G-1', { ts: 30 }));
    expect(again).toEqual([
      { deviceId: 's1', firstTs: 10, lastTs: 30 },
      { deviceId: 's2', firstTs: 20, lastTs: 20 },
    ]);
    const back = withMember(again, offline('s2', 'G-1', { ts: 40, phase: 'clear' }));
    expect(back[1]).toEqual({ deviceId: 's2', firstTs: 20, lastTs: 20, clearedTs: 40 });
    expect(withMember(back, offline('s2', 'G-1', { ts: 50 }))[1]).toEqual({ deviceId: 's2', firstTs: 20, lastTs: 50 });
  });
});

describe('incident service with grouping', () => {
  let store: SqliteStore;
  let svc: IncidentService;
  let now: number;
  beforeEach(() => {
    store = openSqliteStore({ path: ':memory:' });
    now = T0;
    svc = createIncidentService({
      store: store.incidents,
      router: createRouter(RoutingTable.parse(DEFAULT_ROUTING)),
      publish: () => 0,
      clock: () => now,
      grouping: BY_GRID,
    });
  });
  afterEach(() => store.close());

  it('a burst in one grid is one incident listing each device; another grid is another incident', () => {
    const ids = ['s1', 's2', 's3', 's4'].map((s, i) => svc.onDetection(offline(s, 'G-1', { ts: T0 + i * 1000 }))!.id);
    const other = svc.onDetection(offline('t1', 'G-2'))!;
    expect(new Set(ids).size).toBe(1);
    expect(other.id).not.toBe(ids[0]);
    const inc = svc.get(ids[0]!)!;
    expect(inc.members!.map((m) => m.deviceId)).toEqual(['s1', 's2', 's3', 's4']);
    expect(inc).toMatchObject({ title: '设备离线 · grid G-1', detections: 4, group: { by: 'grid', key: 'device-offline|grid:G-1' } });
    expect(svc.list({})).toHaveLength(2);
  });

  it('keeps the dedup contract: a member’s repeat after the window attaches and may raise severity', () => {
    const a = svc.onDetection(offline('s1', 'G-1'))!;
    svc.onDetection(offline('s2', 'G-1', { ts: T0 + 1000 }));
    now = T0 + 3_600_000;
    const later = svc.onDetection(offline('s2', 'G-1', { ts: now, severity: 'orange' }))!;
    expect(later.id).toBe(a.id);
    expect(later.severity).toBe('orange');
    // A new device an hour on is a new case (orange: a blue one would be inhibited by the orange case).
    expect(svc.onDetection(offline('s3', 'G-1', { ts: now, severity: 'orange' }))!.id).not.toBe(a.id);
    expect(svc.timeline(a.id).map((e) => e.type)).toEqual(['opened', 'detection', 'escalated']);
  });

  it('records a member coming back on the incident', () => {
    const a = svc.onDetection(offline('s1', 'G-1'))!;
    svc.onDetection(offline('s2', 'G-1', { ts: T0 + 1000 }));
    svc.onDetection(offline('s2', 'G-1', { ts: T0 + 5000, phase: 'clear' }));
    expect(svc.get(a.id)!.members![1]).toMatchObject({ deviceId: 's2', clearedTs: T0 + 5000 });
    expect(svc.timeline(a.id).at(-1)!.type).toBe('cleared');
  });
});
