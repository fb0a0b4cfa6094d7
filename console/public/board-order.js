// What the board shows and in which order: severity first (red, orange, yellow, blue), then age,
// the filter and search applied, and never a red or orange card behind a "+N". Pure, no DOM.
import { matches } from './stream.js';

export const SEVERITIES = ['red', 'orange', 'yellow', 'blue'];
const RANK = Object.fromEntries(SEVERITIES.map((s, i) => [s, i]));
/** Severities that are always on the board, however many cards a column holds. */
export const ALWAYS_SHOWN = new Set(['red', 'orange']);

/** Board order: higher severity first, then the oldest first (it has waited longest), then id. */
export function byUrgency(a, b) {
  return (RANK[a.severity] ?? 9) - (RANK[b.severity] ?? 9) || a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

/**
 * Split a sorted column: every red and orange card is shown, the others fill up to `limit`; the
 * rest are counted as hidden (the "+N" that opens them) unless the column is expanded.
 */
export function splitColumn(sorted, limit, expanded = false) {
  if (expanded) return { shown: sorted, hidden: 0 };
  let room = Math.max(0, limit - sorted.filter((i) => ALWAYS_SHOWN.has(i.severity)).length);
  const shown = sorted.filter((i) => ALWAYS_SHOWN.has(i.severity) || room-- > 0);
  return { shown, hidden: sorted.length - shown.length };
}

/** The words a search looks in: id, device, member devices, grid, district, title. */
const haystack = (inc) => [inc.id, inc.deviceId, inc.grid, inc.district, inc.title, ...(inc.members ?? []).map((m) => m.deviceId)];

/** Whether an incident is on the board: the stream's filter (severity, category, grid, district) and the search text. */
export function onBoard(inc, filter = {}, search = '') {
  if (!matches(filter, inc)) return false;
  const q = search.trim().toLowerCase();
  return !q || haystack(inc).some((v) => typeof v === 'string' && v.toLowerCase().includes(q));
}
