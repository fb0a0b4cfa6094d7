// Tiny DOM helpers: elements are built, never parsed from strings, so no incident text can
// become markup.
const SVG_NS = 'http://www.w3.org/2000/svg';
const SVG_TAGS = new Set(['svg', 'g', 'rect', 'line', 'polyline', 'circle', 'text', 'path', 'title']);

/** h('div', {class: 'x', onclick: fn}, child, 'text') → an element (SVG tags in the SVG namespace). */
export function h(tag, attrs = {}, ...children) {
  const svg = SVG_TAGS.has(tag);
  const el = svg ? document.createElementNS(SVG_NS, tag) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs ?? {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value' && !svg) el.value = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replace an element's children. */
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

/** What the page shows for a time or duration it cannot show. */
export const PLACEHOLDER = '—';

// A Date holds ±8.64e15 ms; a stored time beyond it (a device ts of 1e300 from before ingest
// checked clocks) or a NaN (null in JSON) would print "Invalid Date" or the epoch.
const isTime = (ts) => typeof ts === 'number' && Math.abs(ts) <= 8.64e15;

/** HH:MM:SS of an epoch-ms timestamp, local time; — when it is no time. */
export const clock = (ts) => (isTime(ts) ? new Date(ts).toLocaleTimeString('en-GB', { hour12: false }) : PLACEHOLDER);

/** YYYY-MM-DD HH:MM:SS, local time; — when it is no time. */
export const stamp = (ts) => {
  if (!isTime(ts)) return PLACEHOLDER;
  const d = new Date(ts);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${clock(ts)}`;
};

/** A duration in ms as 1h02m / 4m05s / 12s; — when it is not a finite number. */
export function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return PLACEHOLDER;
  const s = Math.max(0, Math.round(Math.abs(ms) / 1000));
  const hh = Math.floor(s / 3600);
  const mm = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  if (hh) return `${hh}h${String(mm).padStart(2, '0')}m`;
  if (mm) return `${mm}m${String(ss).padStart(2, '0')}s`;
  return `${ss}s`;
}
