// 12345 / citizen intake (接诉即办): a manual report of the same category near an open case is the
// same case, so five calls about one pothole are one incident with five reports, not five
// incidents. Pure: which case a report joins, and the case with the report added.
import { z } from 'zod';
import type { Location } from '../model/reading.js';
import { distanceM } from '../rules/index.js';
import { Role } from './access.js';
import type { ManualReport } from './actions.js';
import type { Incident, IncidentReport } from '../model/incident.js';

/** Config `intake`: the merge radius and each reporter token's report rate. */
export const IntakeOptions = z.strictObject({
  /** A report this close (metres) to an open case of its category joins it; without a location, the same grid does. */
  mergeRadiusM: z.number().positive().default(200),
  /** Reports per minute per `reporter` token (0: unlimited); beyond it and `burst`, 429 with Retry-After. */
  reportsPerMinute: z.number().nonnegative().default(10),
  burst: z.number().int().positive().default(5),
  /**
   * Whose reports join an open case nearby: by default the reporter tokens (12345, citizen apps),
   * whose callers cannot see the open cases; an operator's report is a decision to open one.
   */
  mergeRoles: z.array(Role).default(['reporter']),
});
export type IntakeOptions = z.infer<typeof IntakeOptions>;

/** Reports kept on a case; `reportCount` keeps counting past it. */
export const MAX_KEPT_REPORTS = 100;

/** Where a report is: its location, and its grid (given, or the location's). */
export interface ReportPlace {
  category: string;
  loc?: Location;
  grid?: string;
}

/**
 * The open case of the report's category it joins: within `radiusM` when both have a location,
 * else in the same grid; the nearest, then the oldest. `open` is assumed open.
 */
export function findMergeTarget(open: readonly Incident[], at: ReportPlace, radiusM: number): Incident | undefined {
  const scored = open.flatMap((i) => {
    if (i.category !== at.category) return [];
    if (at.loc && i.loc) {
      const d = distanceM(at.loc, i.loc);
      return d <= radiusM ? [{ i, d }] : [];
    }
    // Either side without a location: its grid is all there is to compare.
    return at.grid !== undefined && i.grid === at.grid ? [{ i, d: radiusM }] : [];
  });
  scored.sort((a, b) => a.d - b.d || a.i.createdAt - b.i.createdAt);
  return scored[0]?.i;
}

/** The report as the case keeps it. */
export function reportEntry(r: ManualReport, at: number): IncidentReport {
  return {
    at,
    source: r.source,
    by: r.by,
    ...(r.description !== undefined ? { description: r.description } : {}),
    ...(r.loc !== undefined ? { loc: r.loc } : {}),
  };
}

/** The case with one more report (the latest MAX_KEPT_REPORTS kept); a case opened by a rule starts counting at this one. */
export function withReport(incident: Incident, report: IncidentReport): Incident {
  const reports = [...(incident.reports ?? []), report].slice(-MAX_KEPT_REPORTS);
  return { ...incident, reports, reportCount: (incident.reportCount ?? incident.reports?.length ?? 0) + 1, updatedAt: report.at };
}
