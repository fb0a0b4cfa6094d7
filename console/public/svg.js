// Offline drawings as inline SVG (the review's telemetry chart) and the square-cell arithmetic the
// city map shares with ingest.
import { clock, h } from './dom.js';

const PALETTE = ['#1f6feb', '#d4380d', '#389e0d', '#722ed1', '#d48806', '#08979c', '#c41d7f'];
export const SEVERITY_COLOUR = { red: '#d9001b', orange: '#f47a00', yellow: '#e6b800', blue: '#1767d6' };

/** A line chart of review telemetry series; `marks` are [{ts, label, colour}] verticals. */
export function telemetryChart(series, { marks = [], width = 700, height = 230, empty = 'no data' } = {}) {
  const pad = { l: 52, r: 12, t: 12, b: 40 };
  const w = width - pad.l - pad.r;
  const hgt = height - pad.t - pad.b;
  const svg = h('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img' });
  const values = series.flatMap((s) => s.points.map((p) => p.value));
  if (!values.length) {
    svg.append(h('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'muted' }, empty));
    return svg;
  }
  // Zoom to the readings and marks (the review window is wider), with a margin either side.
  const times = [...series.flatMap((s) => s.points.map((p) => p.ts)), ...marks.map((m) => m.ts)];
  const margin = Math.max((Math.max(...times) - Math.min(...times)) * 0.05, 5000);
  const t0 = Math.min(...times) - margin;
  const t1 = Math.max(...times) + margin;
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (hi === lo) [lo, hi] = [lo - 1, hi + 1];
  const span = hi - lo;
  lo -= span * 0.08;
  hi += span * 0.08;
  const x = (ts) => pad.l + ((ts - t0) / Math.max(1, t1 - t0)) * w;
  const y = (v) => pad.t + (1 - (v - lo) / (hi - lo)) * hgt;

  const axes = h('g', { class: 'axes' });
  for (let i = 0; i <= 4; i++) {
    const v = lo + ((hi - lo) * i) / 4;
    axes.append(
      h('line', { x1: pad.l, x2: pad.l + w, y1: y(v), y2: y(v), class: 'gridline' }),
      h('text', { x: pad.l - 6, y: y(v) + 4, 'text-anchor': 'end' }, +v.toPrecision(3)),
    );
  }
  for (let i = 0; i <= 4; i++) {
    const ts = t0 + ((t1 - t0) * i) / 4;
    axes.append(h('text', { x: x(ts), y: pad.t + hgt + 16, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, clock(ts)));
  }
  svg.append(axes);
  for (const m of marks) {
    if (m.ts < t0 || m.ts > t1) continue;
    svg.append(
      h('line', { x1: x(m.ts), x2: x(m.ts), y1: pad.t, y2: pad.t + hgt, stroke: m.colour, 'stroke-dasharray': '4 3' }),
      h('text', { x: x(m.ts) + 3, y: pad.t + 10, fill: m.colour, class: 'mark' }, m.label),
    );
  }
  series.forEach((s, i) => {
    const colour = PALETTE[i % PALETTE.length];
    const pts = s.points.map((p) => `${x(p.ts).toFixed(1)},${y(p.value).toFixed(1)}`).join(' ');
    svg.append(h('polyline', { points: pts, fill: 'none', stroke: colour, 'stroke-width': 2, class: 'series' }));
    for (const p of s.points.slice(-200))
      svg.append(
        h(
          'circle',
          { cx: x(p.ts), cy: y(p.value), r: 2.5, fill: colour },
          h('title', {}, `${s.deviceId} ${s.metric} ${p.value} @ ${clock(p.ts)}`),
        ),
      );
    svg.append(h('text', { x: pad.l + 4 + i * 170, y: height - 6, fill: colour, class: 'legend' }, `■ ${s.deviceId} · ${s.metric}`));
  });
  return svg;
}

/** `G-<row>-<col>` → {row, col}, or undefined for grids that are not square cells (GeoJSON ids). */
export function parseGrid(id) {
  const m = /^G-(\d+)-(\d+)$/.exec(id ?? '');
  return m ? { row: Number(m[1]), col: Number(m[2]) } : undefined;
}

/** The square cell id of a point (ingest/grid.ts squareCell, same arithmetic). */
export function squareCell(lat, lon, cellSizeM) {
  const rowDeg = cellSizeM / 111_320;
  const row = Math.floor((lat + 90) / rowDeg);
  const centreLat = Math.min(89.999, -90 + (row + 0.5) * rowDeg);
  const colDeg = cellSizeM / (111_320 * Math.cos((centreLat * Math.PI) / 180));
  return `G-${row}-${Math.floor((lon + 180) / colDeg)}`;
}
