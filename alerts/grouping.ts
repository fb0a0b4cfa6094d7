// Grouping (Alertmanager's group_by): a rule's detections that share a grid (or district, or
// just the rule) and arrive within a window become one incident listing its member devices, so a
// gateway or power cut is one case, not one per device. Pure: incidents.ts does the storing.
import type { Detection } from '../model/detection.js';
import type { GroupSpec } from '../rules/index.js';
import type { IncidentQuery } from '../store/index.js';
import { type Incident, type IncidentGroup, type Member, MAX_INCIDENT_LIMIT, OPEN_STATES } from '../model/incident.js';

/** Config defaults per rule kind (`grouping:` in the config file), used when a rule has no `group`. */
export type GroupDefaults = Partial<Record<string, GroupSpec>>;

/** The grouping a detection falls under, or undefined (one incident per device: no spec, `by: device`, or no grid/district to share). */
export function groupOf(d: Detection, defaults: GroupDefaults = {}): IncidentGroup | undefined {
  const spec = d.group ?? defaults[d.ruleKind];
  if (!spec || spec.by === 'device') return undefined;
  const value = spec.by === 'grid' ? d.grid : spec.by === 'district' ? d.district : '*';
  if (value === undefined) return undefined;
  return { by: spec.by, key: `${d.ruleId}|${spec.by}:${value}`, window: spec.window };
}

/** The store query that finds every open incident a detection of this group could belong to. */
export function groupQuery(g: IncidentGroup, d: Detection): IncidentQuery {
  const place = g.by === 'grid' ? { grid: d.grid } : g.by === 'district' ? { district: d.district } : {};
  return { state: [...OPEN_STATES], category: d.category, ...place, limit: MAX_INCIDENT_LIMIT };
}

/** When the group last took in a new device: the window is counted from there. */
export function latestJoin(i: Incident): number {
  return Math.max(i.createdAt, ...(i.members ?? []).map((m) => m.firstTs));
}

/**
 * The open incident of group `g` this detection belongs to: the one listing its device (the dedup
 * contract: a member's repeats never open a second case), else, for a raise, the newest one whose
 * latest new member is within the window.
 */
export function findGroupIncident(open: readonly Incident[], g: IncidentGroup, d: Detection): Incident | undefined {
  const same = open.filter((i) => OPEN_STATES.includes(i.state) && i.group?.key === g.key);
  const holding = same.find((i) => i.members?.some((m) => m.deviceId === d.deviceId));
  if (holding || d.phase === 'clear') return holding;
  return same.filter((i) => d.ts - latestJoin(i) <= g.window).sort((a, b) => latestJoin(b) - latestJoin(a))[0];
}

/** The members after this detection: a new device is appended, a known one's lastTs moves, a clear marks it back. */
export function withMember(members: readonly Member[], d: Detection): Member[] {
  const at = members.findIndex((m) => m.deviceId === d.deviceId);
  if (at < 0) return d.phase === 'clear' ? [...members] : [...members, { deviceId: d.deviceId, firstTs: d.ts, lastTs: d.ts }];
  const { clearedTs: _back, ...m } = members[at]!;
  const next: Member = d.phase === 'clear' ? { ...m, clearedTs: d.ts } : { ...m, lastTs: Math.max(m.lastTs, d.ts) };
  return members.map((x, i) => (i === at ? next : x));
}

/** A grouped incident's title: the rule and the place it groups by ("设备离线 · grid G-0307"). */
export function groupTitle(d: Detection, g: IncidentGroup): string {
  const place = g.by === 'grid' ? `grid ${d.grid}` : g.by === 'district' ? `district ${d.district}` : 'all devices';
  return `${d.ruleName} · ${place}`;
}
