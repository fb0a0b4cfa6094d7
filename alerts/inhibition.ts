// Inhibition (抑制): an open red or orange incident in a grid mutes lower-severity detections of
// the same category in that grid, so one flooded street is one case, not ten. The muted
// detection is recorded on the inhibiting incident's timeline, never dropped silently.
import { type Detection, SEVERITY_RANK } from '../model/detection.js';
import { type Incident, OPEN_STATES } from '../model/incident.js';

/** Severities that inhibit others. */
export const INHIBITING = ['red', 'orange'] as const;

/** The open incident that mutes this detection, if any (highest severity, then oldest). */
export function findInhibitor(open: readonly Incident[], d: Detection): Incident | undefined {
  if (d.phase !== 'raise' || d.grid === undefined) return undefined;
  const candidates = open.filter(
    (i) =>
      OPEN_STATES.includes(i.state) &&
      i.grid === d.grid &&
      i.category === d.category &&
      (INHIBITING as readonly string[]).includes(i.severity) &&
      SEVERITY_RANK[i.severity] > SEVERITY_RANK[d.severity] &&
      // The incident's own detections attach to it as usual.
      i.dedupKey !== d.dedupKey,
  );
  return candidates.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || a.createdAt - b.createdAt)[0];
}
