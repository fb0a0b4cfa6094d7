// 12345 / citizen intake, pure parts: which open case a report joins, and the case with it added.
import { describe, expect, it } from 'vitest';
import type { Incident } from '../../../model/incident.js';
import { IntakeOptions, MAX_KEPT_REPORTS, type ReportPlace, findMergeTarget, reportEntry, withReport } from '../../../alerts/intake.js';
import { ManualReport } from '../../../alerts/actions.js';
import { loadConfig } from '../../../app/config.js';
import { ConfigError } from '../../../app/errors.js';
import { T0 } from './management-helpers.js';

const HERE = { lat: 31.2304, lon: 121.4737 };
// About 111 m per 0.001° of latitude.
const north = (m: number) => ({ lat: HERE.lat + m / 111_195, lon: HERE.lon });
const inc = (over: Partial<Incident>): Incident =>
  ({
    id: 'INC-1',
    state: 'warning',
    severity: 'yellow',
    category: 'road',
    title: 'pothole',
    source: 'hotline_12345',
    overdue: [],
    createdAt: T0,
    updatedAt: T0,
    detections: 0,
    reopened: 0,
    ...over,
  }) as Incident;

describe('findMergeTarget', () => {
  // The case is at HERE in grid G-1 unless the row says otherwise.
  it.each([
    ['150 m away, same category', {}, { category: 'road', loc: north(150) }, 'INC-1'],
    ['250 m away', {}, { category: 'road', loc: north(250) }, undefined],
    ['250 m away in the same grid: the distance decides', {}, { category: 'road', loc: north(250), grid: 'G-1' }, undefined],
    ['another category', {}, { category: 'flood', loc: north(10) }, undefined],
    ['no report loc, same grid', {}, { category: 'road', grid: 'G-1' }, 'INC-1'],
    ['no report loc, other grid', {}, { category: 'road', grid: 'G-2' }, undefined],
    ['case without loc, same grid', { loc: undefined }, { category: 'road', loc: HERE, grid: 'G-1' }, 'INC-1'],
    ['case without loc or grid', { loc: undefined, grid: undefined }, { category: 'road', loc: HERE, grid: 'G-1' }, undefined],
  ] as Array<[string, Partial<Incident>, ReportPlace, string | undefined]>)('%s', (_name, caseAt, report, want) => {
    expect(findMergeTarget([inc({ loc: HERE, grid: 'G-1', ...caseAt })], report, 200)?.id).toBe(want);
  });

  it('joins the nearest case, then the oldest', () => {
    const open = [inc({ id: 'far', loc: north(180), createdAt: T0 }), inc({ id: 'near', loc: north(20), createdAt: T0 + 1 })];
    expect(findMergeTarget(open, { category: 'road', loc: HERE }, 200)?.id).toBe('near');
    const twins = [inc({ id: 'new', loc: north(20), createdAt: T0 + 5 }), inc({ id: 'old', loc: north(20), createdAt: T0 })];
    expect(findMergeTarget(twins, { category: 'road', loc: HERE }, 200)?.id).toBe('old');
  });
});

describe('reports on a case', () => {
  const report = ManualReport.parse({
    category: 'road',
    title: 'pothole',
    loc: HERE,
    source: 'hotline_12345',
    by: 'caller-1',
    description: 'deep, by the bus stop',
  });

  it('adds the report and counts it; a rule-opened case starts at one', () => {
    const first = withReport(inc({}), reportEntry(report, T0 + 1));
    expect(first).toMatchObject({
      reportCount: 1,
      updatedAt: T0 + 1,
      reports: [{ at: T0 + 1, source: 'hotline_12345', by: 'caller-1', description: 'deep, by the bus stop', loc: HERE }],
    });
    expect(withReport(first, reportEntry(report, T0 + 2)).reportCount).toBe(2);
  });

  it(`keeps the latest ${MAX_KEPT_REPORTS} reports and counts them all`, () => {
    let c = inc({});
    for (let i = 0; i < MAX_KEPT_REPORTS + 5; i++) c = withReport(c, reportEntry(report, T0 + i));
    expect(c.reportCount).toBe(MAX_KEPT_REPORTS + 5);
    expect(c.reports).toHaveLength(MAX_KEPT_REPORTS);
    expect(c.reports![0]!.at).toBe(T0 + 5);
  });

  it('refuses a bad intake config, naming the field', () => {
    const paths = (v: unknown) => (IntakeOptions.safeParse(v).error?.issues ?? []).map((i) => i.path.join('.'));
    expect(paths({ mergeRadiusM: -1 })).toEqual(['mergeRadiusM']);
    expect(paths({ mergeRoles: ['citizen'] })).toEqual(['mergeRoles.0']);
    expect(paths({ radius: 5 })).toEqual(['']);
    expect(IntakeOptions.parse({})).toEqual({ mergeRadiusM: 200, reportsPerMinute: 10, burst: 5, mergeRoles: ['reporter'] });
    const refused = (() => {
      try {
        loadConfig({}, { intake: { mergeRadiusM: 0 } });
      } catch (err) {
        return err;
      }
    })();
    expect(refused).toBeInstanceOf(ConfigError);
    expect((refused as ConfigError).issues.map((i) => i.path)).toEqual(['intake.mergeRadiusM']);
  });
});
