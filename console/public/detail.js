// The incident detail drawer: header with deadlines, the action bar, and tabs for the timeline,
// the telemetry chart, the grid map, the CAP message (when that endpoint answers) and the 复盘.
import { renderActions } from './actions.js';
import { countdown } from './board.js';
import { clock, h, mount, stamp } from './dom.js';
import { t } from './i18n.js';
import { membersTable } from './members-view.js';
import { renderReview } from './review-view.js';
import { SEVERITY_COLOUR, telemetryChart } from './svg.js';

const TABS = ['timeline', 'telemetry', 'map', 'cap', 'reviewTab'];

/** The drawer. ctx: {root, api, user(), departments(), showMap(el, incident), openDevice(id), onChanged(incident), onClose()}. */
export function createDetail(ctx) {
  let current; // { inc, record, cap }
  let tab = 'timeline';
  let loadToken = 0;

  async function open(id, keepTab = false) {
    const mine = ++loadToken;
    if (!keepTab) tab = 'timeline';
    const [inc, record, cap] = await Promise.all([
      ctx.api.incident(id),
      ctx.api.review(id).catch(() => undefined),
      ctx.api.cap(id).catch(() => undefined),
    ]);
    if (mine !== loadToken) return; // a newer open() won
    current = { inc, record, cap };
    render();
  }

  async function act(body) {
    const updated = await ctx.api.act(current.inc.id, body);
    ctx.onChanged(updated);
    await open(updated.id, true);
  }

  async function exportMarkdown() {
    const md = await ctx.api.reviewMarkdown(current.inc.id);
    const url = URL.createObjectURL(new Blob([md], { type: 'text/markdown;charset=utf-8' }));
    const a = h('a', { href: url, download: `review-${current.inc.id}.md` });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  function render() {
    const { inc, record, cap } = current;
    const tabs = TABS.filter((k) => k !== 'cap' || cap !== undefined);
    if (!tabs.includes(tab)) tab = 'timeline';
    const body = h('div', { class: 'tab-body', 'data-tab': tab });
    const actions = h('div', { class: 'actions' });
    renderActions(actions, inc, { user: ctx.user(), departments: ctx.departments(), act, onReview: () => ((tab = 'reviewTab'), render()) });
    mount(
      ctx.root,
      h(
        'header',
        { class: `detail-head sev-${inc.severity}` },
        h(
          'div',
          { class: 'row' },
          h('b', { class: `badge sev-${inc.severity}` }, t(inc.severity)),
          h('span', { class: `state-pill state-${inc.state}`, 'data-state': inc.state }, t(inc.state)),
          h('button', { type: 'button', class: 'close-detail', onclick: ctx.onClose, 'aria-label': t('close_panel') }, '×'),
        ),
        h('h2', {}, inc.title),
        h(
          'p',
          { class: 'meta mono' },
          inc.id,
          ' · ',
          t(inc.category),
          ' · ',
          inc.department ?? '—',
          inc.district ? ` · ${inc.district}` : '',
          inc.grid ? ` · ${inc.grid}` : '',
          ' · ',
          t('source'),
          ': ',
          inc.source,
          inc.reportedBy ? ` (${inc.reportedBy})` : '',
        ),
        devicesOf(inc, ctx.openDevice),
        deadlines(inc),
        membersTable(inc),
      ),
      actions,
      h(
        'nav',
        { class: 'tabs' },
        tabs.map((k) =>
          h('button', { type: 'button', class: k === tab ? 'active' : '', 'data-tab': k, onclick: () => ((tab = k), render()) }, t(k)),
        ),
      ),
      body,
    );
    const draw = {
      timeline: () => timeline(inc.timeline ?? []),
      telemetry: () => telemetry(inc, record),
      map: () => h('div', { class: 'map' }),
      cap: () => h('pre', { class: 'cap' }, cap),
      reviewTab: () => {
        const el = h('div', { class: 'review' });
        renderReview(el, { inc, record, user: ctx.user(), act, exportMarkdown });
        return el;
      },
    };
    mount(body, draw[tab]());
    // Leaflet measures its element, so the map is made once the tab body is in the page.
    if (tab === 'map') ctx.showMap(body.firstChild, inc);
  }

  return {
    open,
    /** Reload if the shown incident changed elsewhere (another operator, the stream). */
    refresh(inc) {
      if (current && current.inc.id === inc.id && inc.updatedAt > current.inc.updatedAt) open(inc.id, true).catch(() => {});
    },
    currentId: () => current?.inc.id,
    clear() {
      current = undefined;
      loadToken++;
      mount(ctx.root);
    },
  };
}

function deadlines(inc) {
  const d = inc.deadlines;
  if (!d) return null;
  const row = (key, due, doneAt) =>
    h(
      'li',
      {},
      doneAt !== undefined
        ? h('span', { class: doneAt > due ? 'late' : 'met' }, `${t(key)} · ${doneAt > due ? '✗' : '✓'} ${clock(doneAt)}`)
        : ['false_alarm', 'closed', 'reviewed'].includes(inc.state)
          ? h('span', { class: 'muted' }, `${t(key)} · —`)
          : countdown(due, key),
    );
  return h(
    'ul',
    { class: 'deadlines' },
    row('ackBy', d.acknowledgeBy, inc.acknowledgedAt),
    row('arriveBy', d.arriveBy, inc.arrivedAt),
    row('resolveBy', d.resolveBy, inc.resolvedAt),
  );
}

function timeline(events) {
  return h(
    'table',
    { class: 'table timeline' },
    h('tr', {}, h('th', {}, 'time'), h('th', {}, t('state')), h('th', {}, t('operator')), h('th', {}, t('note'))),
    events.map((e) =>
      h(
        'tr',
        { 'data-event': e.type },
        h('td', { class: 'mono' }, stamp(e.ts)),
        h('td', {}, t(e.data?.joined ? 'joined' : e.type), e.to ? ` → ${t(e.to)}` : ''),
        h('td', {}, e.actor),
        h(
          'td',
          {},
          e.type === 'follow_up'
            ? `${e.data?.score ?? ''}${e.note ? ` · ${e.note}` : ''}`
            : (e.note ?? (e.data?.department ? String(e.data.department) : '')),
        ),
      ),
    ),
  );
}

function telemetry(inc, record) {
  const series = record?.telemetry?.series ?? [];
  const marks = [{ ts: inc.createdAt, label: t('opened'), colour: SEVERITY_COLOUR[inc.severity] }];
  if (inc.resolvedAt) marks.push({ ts: inc.resolvedAt, label: t('resolved'), colour: '#389e0d' });
  return h(
    'div',
    { class: 'telemetry' },
    telemetryChart(series, { marks, empty: t('noTelemetry') }),
    record?.telemetry
      ? h('p', { class: 'muted' }, `${stamp(record.telemetry.from)} → ${stamp(record.telemetry.to)} (${record.telemetry.source ?? ''})`)
      : null,
    h(
      'p',
      { class: 'muted' },
      series
        .map((s) => `${s.deviceId} · ${s.metric}: ${s.points.length} pts, max ${Math.max(...s.points.map((p) => p.value))}`)
        .join('  |  '),
    ),
  );
}

/** The incident's devices (its own, and those its timeline names), each opening the device view. */
function devicesOf(inc, openDevice) {
  const ids = new Set([inc.deviceId, ...(inc.timeline ?? []).map((e) => e.data?.deviceId)].filter((id) => typeof id === 'string'));
  if (!ids.size) return null;
  return h(
    'p',
    { class: 'member-devices' },
    `${t('devices')}: `,
    [...ids].map((id) => h('button', { type: 'button', class: 'link mono', dataset: { device: id }, onclick: () => openDevice(id) }, id)),
  );
}
