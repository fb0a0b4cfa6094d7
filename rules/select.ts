// Selectors: which readings a rule looks at (DESIGN.md § Rules: select {kind?, device? (glob),
// metric?, event?, district?, grid?}). Every field given must match.
import type { Reading } from '../model/reading.js';
import type { Select } from './envelope.js';

/** Compile a `*`/`?` glob to an anchored RegExp; every other character is literal. */
export function globToRegExp(glob: string): RegExp {
  const body = glob
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Whether the reading saw an event of `type` (a loop: `.some` with a closure allocated one per reading and rule). */
function hasEvent(r: Reading, type: string): boolean {
  const events = r.events;
  if (events === undefined) return false;
  for (let i = 0; i < events.length; i++) if (events[i]!.type === type) return true;
  return false;
}

/** Compile a selector once into a predicate (the glob is compiled here, not per reading). */
export function compileSelect(select: Select): (reading: Reading) => boolean {
  const device = select.device === undefined ? undefined : globToRegExp(select.device);
  return (r) =>
    (select.kind === undefined || r.kind === select.kind) &&
    (device === undefined || device.test(r.deviceId)) &&
    (select.metric === undefined || typeof r.metrics?.[select.metric] === 'number') &&
    (select.event === undefined || hasEvent(r, select.event)) &&
    (select.district === undefined || r.district === select.district) &&
    (select.grid === undefined || r.grid === select.grid);
}

/** Whether a reading matches a selector. */
export function matches(select: Select, reading: Reading): boolean {
  return compileSelect(select)(reading);
}

/** A cheap first test of a selector, shared by every rule with the same `key`. */
export interface SelectGate {
  key: string;
  test: (reading: Reading) => boolean;
}

/**
 * The gate of a selector: its most selective field alone (event, then metric, then kind), or
 * none. Every reading the full selector accepts passes it, and it is the same test
 * compileSelect makes, so rules can be indexed by it without changing what they see.
 * `deviceOnly` skips metric and event (absence rules hear status messages, which carry neither).
 */
export function selectGate(select: Select, deviceOnly = false): SelectGate {
  const { event, metric, kind } = select;
  if (!deviceOnly && event !== undefined) return { key: `event:${event}`, test: (r) => hasEvent(r, event) };
  if (!deviceOnly && metric !== undefined) return { key: `metric:${metric}`, test: (r) => typeof r.metrics?.[metric] === 'number' };
  if (kind !== undefined) return { key: `kind:${kind}`, test: (r) => r.kind === kind };
  return { key: 'all', test: () => true };
}
