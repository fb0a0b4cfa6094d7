// The intake of manual reports: join the open case nearby (alerts/intake.ts), else open a new one
// through the incident service. A join is one stored `report` event and one `incident` message.
import type { Location } from '../model/reading.js';
import type { IncidentStore, LogMessage } from '../store/index.js';
import type { Role } from './access.js';
import type { ManualReport } from './actions.js';
import { type Incident, type IncidentEvent, MAX_INCIDENT_LIMIT, OPEN_STATES } from '../model/incident.js';
import type { IncidentService } from './incidents.js';
import { type IntakeOptions, findMergeTarget, reportEntry, withReport } from './intake.js';

export interface IntakeDeps {
  store: IncidentStore;
  /** Opens a new case (the incident service's `report`). */
  incidents: Pick<IncidentService, 'report'>;
  publish: (message: LogMessage) => number;
  options: Pick<IntakeOptions, 'mergeRadiusM' | 'mergeRoles'>;
  gridOf?: (loc: Location) => { grid?: string } | undefined;
  clock?: () => number;
  /** One store transaction per join, its /ws message sent after the commit (as the incident service's). */
  unit?: <T>(fn: () => T) => T;
}

/** A report's outcome: the case it opened, or the open case it joined (`merged`). */
export interface IntakeResult {
  incident: Incident;
  merged: boolean;
}

export interface Intake {
  /** Whether reports of this role join open cases (config `intake.mergeRoles`). */
  joinsFor(role: Role): boolean;
  /** Join the open case of the same category nearby, else open one; `audit` as for the incident service. */
  report(r: ManualReport, audit?: Record<string, string>): IntakeResult;
}

/** Build the intake over the incident store and service. */
export function createIntake(deps: IntakeDeps): Intake {
  const clock = deps.clock ?? Date.now;
  const unit = deps.unit ?? (<T>(fn: () => T) => fn());
  const join = (r: ManualReport, audit?: Record<string, string>) => {
    const grid = r.grid ?? (r.loc ? deps.gridOf?.(r.loc)?.grid : undefined);
    const open = deps.store.listIncidents({ state: [...OPEN_STATES], category: r.category, limit: MAX_INCIDENT_LIMIT });
    const target = findMergeTarget(open, { category: r.category, loc: r.loc, grid }, deps.options.mergeRadiusM);
    if (!target) return undefined;
    const now = clock();
    const next = withReport(target, reportEntry(r, now));
    const ev: IncidentEvent = {
      id: 0,
      incidentId: next.id,
      ts: now,
      type: 'report',
      actor: r.by,
      note: r.description ?? r.title,
      data: {
        source: r.source,
        title: r.title,
        reportCount: next.reportCount,
        ...(r.loc ? { loc: r.loc } : {}),
        ...(grid ? { grid } : {}),
        ...audit,
      },
    };
    deps.publish({ type: 'incident', incident: next, event: deps.store.updateIncident(next, ev) });
    return next;
  };
  return {
    joinsFor: (role) => deps.options.mergeRoles.includes(role),
    report(r, audit) {
      const joined = unit(() => join(r, audit));
      // Node runs one request at a time: no other report can open the case between the two units.
      return joined ? { incident: joined, merged: true } : { incident: deps.incidents.report(r, audit), merged: false };
    },
  };
}
