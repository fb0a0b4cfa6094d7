// The device view: what GET /api/devices knows of one device, and its telemetry over the last
// 1 h / 6 h / 24 h from GET /api/telemetry, redrawn while the view stays open.
import { drawDeviceCharts } from './device-chart.js';
import { PLACEHOLDER, h, mount, stamp } from './dom.js';
import { t } from './i18n.js';

const RANGES = { '1h': 3_600_000, '6h': 6 * 3_600_000, '24h': 24 * 3_600_000 };
/** Live, but gently: a bucket of the 1 h range is 10 s wide. */
const REFRESH_MS = 10_000;
let range = '1h'; // kept across devices: an operator comparing devices wants the same window

/**
 * Render the view of device `id` into root. ctx: {api, id, openIncident(id), back()}.
 * Returns a function that stops its refresh (call it when the view is left).
 */
export function renderDeviceView(root, ctx) {
  let stopCharts = () => {};
  let loads = 0;
  const info = h('div', { class: 'device-info' });
  const charts = h('div', { class: 'device-charts' });
  const status = h('p', { class: 'action-error', role: 'status' });
  const buttons = Object.keys(RANGES).map((r) =>
    h(
      'button',
      { type: 'button', dataset: { range: r }, class: r === range ? 'active' : '', onclick: () => ((range = r), paintButtons(), load()) },
      r,
    ),
  );
  const paintButtons = () => buttons.forEach((b) => b.classList.toggle('active', b.dataset.range === range));

  async function load() {
    const mine = ++loads;
    const to = Date.now();
    const from = to - RANGES[range];
    try {
      const [list, telemetry] = await Promise.all([ctx.api.devices(), ctx.api.telemetry({ device: ctx.id, from, to })]);
      if (mine !== loads || !root.isConnected) return; // left, or a newer load won
      status.textContent = '';
      mount(
        info,
        details(
          list.devices.find((d) => d.id === ctx.id),
          ctx,
        ),
      );
      stopCharts();
      charts.replaceChildren();
      stopCharts = drawDeviceCharts(charts, telemetry.series, { range: [from, to], empty: t('noTelemetry') });
      root.dataset.loaded = String(mine);
    } catch (e) {
      if (mine === loads) status.textContent = `${t('error')}: ${e.message}`;
    }
  }

  mount(
    root,
    h(
      'div',
      { class: 'device-view', dataset: { device: ctx.id } },
      h(
        'header',
        { class: 'row' },
        h('button', { type: 'button', class: 'back', onclick: ctx.back }, `← ${t('back')}`),
        h('h2', { class: 'device-id mono' }, ctx.id),
        h('span', { class: 'spacer' }),
        h('span', { class: 'muted' }, t('range')),
        h('span', { class: 'ranges' }, buttons),
      ),
      status,
      h('div', { class: 'device-layout' }, info, charts),
    ),
  );
  load();
  const timer = setInterval(() => (root.isConnected && !root.closest('[hidden]') ? load() : undefined), REFRESH_MS);
  return () => {
    clearInterval(timer);
    loads++;
    stopCharts();
  };
}

function details(d, ctx) {
  if (!d) return h('p', { class: 'muted' }, t('deviceUnknown'));
  const row = (key, ...value) => h('tr', {}, h('th', {}, t(key)), h('td', {}, ...value));
  const online = d.online ? t('deviceOnline') : t('deviceOffline');
  return h(
    'table',
    { class: 'table device-details' },
    row('device', h('span', { class: 'mono' }, d.id), d.name ? ` · ${d.name}` : ''),
    row('kind', t(d.kind), d.registered ? ` · ${t('registered')}` : ` · ${t('unregistered')}`),
    row(
      'state',
      h('span', { class: `online-pill ${d.online ? 'on' : 'off'}`, dataset: { online: String(d.online) } }, online),
      d.connected ? ` · ${t('connected')}` : '',
      d.status ? ` · ${d.status}` : '',
    ),
    row('lastSeen', d.lastSeen ? stamp(Date.parse(d.lastSeen)) : PLACEHOLDER),
    row('district', d.district ?? PLACEHOLDER),
    row('grid', h('span', { class: 'mono' }, d.grid ?? PLACEHOLDER)),
    row('place', d.loc ? `${d.loc.lat}, ${d.loc.lon}` : PLACEHOLDER),
    row(
      'openIncidents',
      d.openIncidents.count
        ? d.openIncidents.ids.map((id) =>
            h('button', { type: 'button', class: 'link mono', dataset: { incident: id }, onclick: () => ctx.openIncident(id) }, id),
          )
        : PLACEHOLDER,
    ),
  );
}
