// Charts of one device's telemetry buckets (GET /api/telemetry) with uPlot: one chart, and so one
// y axis, per unit. Readings carry no units, so the unit comes from the metric names the
// simulators and the DESIGN use; a metric not known here is a group (and an axis) of its own.
import uPlot from './vendor/uplot.js';
import { h } from './dom.js';

const UNIT = { waterLevel: 'm', alt: 'm', temperature: '°C', pm25: 'µg/m³', gas: '%LEL', battery: '%', speed: 'm/s', heading: '°' };
/** 24-hour HH:MM, as the rest of the console writes times (uPlot's default is 12-hour). */
const hhmm = (s) => new Date(s * 1000).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
const PALETTE = ['#1f6feb', '#d4380d', '#389e0d', '#722ed1', '#d48806', '#08979c', '#c41d7f'];

/** Series [{metric, points}] grouped by unit: [{unit, series: [...]}], in first-seen order. */
export function groupByUnit(series) {
  const groups = new Map();
  for (const s of series) {
    const unit = UNIT[s.metric] ?? s.metric;
    if (!groups.has(unit)) groups.set(unit, []);
    groups.get(unit).push(s);
  }
  return [...groups].map(([unit, list]) => ({ unit, series: list }));
}

/** uPlot's aligned data: the union of bucket times (seconds), and each series' averages or null. */
export function alignedData(series) {
  const times = [...new Set(series.flatMap((s) => s.points.map((p) => p.ts)))].sort((a, b) => a - b);
  const at = new Map(times.map((ts, i) => [ts, i]));
  const columns = series.map((s) => {
    const col = new Array(times.length).fill(null);
    for (const p of s.points) col[at.get(p.ts)] = p.avg;
    return col;
  });
  return [times.map((ts) => ts / 1000), ...columns];
}

/**
 * Draw the charts into `root` (width from root). Returns a function that destroys them.
 * `range` [fromMs, toMs] fixes the x scale, so 1h looks like an hour even with few buckets.
 */
export function drawDeviceCharts(root, series, { range, empty, width }) {
  const plots = [];
  const groups = groupByUnit(series.filter((s) => s.points.length));
  if (!groups.length) {
    root.append(h('p', { class: 'muted no-telemetry' }, empty));
    return () => {};
  }
  let colour = 0;
  for (const g of groups) {
    const box = h(
      'div',
      { class: 'device-chart', dataset: { unit: g.unit } },
      h('h3', {}, g.series.map((s) => s.metric).join(' · '), g.unit !== g.series[0].metric ? ` (${g.unit})` : ''),
    );
    root.append(box);
    const opts = {
      width: width ?? Math.max(320, root.clientWidth - 8),
      height: 170,
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true, range: () => [range[0] / 1000, range[1] / 1000] } },
      axes: [{ values: (u, ticks) => ticks.map(hhmm) }, { label: g.unit, size: 56 }],
      series: [
        {},
        ...g.series.map((s) => ({
          label: s.metric,
          stroke: PALETTE[colour++ % PALETTE.length],
          width: 2,
          spanGaps: true,
          points: { show: s.points.length < 60 },
        })),
      ],
    };
    plots.push(new uPlot(opts, alignedData(g.series), box));
  }
  return () => plots.forEach((p) => p.destroy());
}
