// The console's entry point: login, the views (monitor, 吹哨 report, 综合评价, device, silences,
// rules), and the wiring between the live stream, the map, the board and the detail drawer.
import { createAlarm } from './alarm.js';
import { createApi } from './api.js';
import { renderBoard, tickCountdowns } from './board.js';
import { onBoard } from './board-order.js';
import { createBulk } from './bulk.js';
import { createDetail } from './detail.js';
import { renderDeviceView } from './device-view.js';
import { renderEvaluation } from './evaluation.js';
import { createFeed } from './feed.js';
import { lang, relabel, setLang, t } from './i18n.js';
import { createMonitorMap } from './monitor-map.js';
import { renderReport } from './report.js';
import { renderRules } from './rules-view.js';
import { renderSilences } from './silences-view.js';
import { createStream } from './stream.js';

const $ = (sel) => document.querySelector(sel);
const session = {
  get token() {
    return sessionStorage.getItem('citysense.token') ?? '';
  },
  get user() {
    return sessionStorage.getItem('citysense.user') ?? '';
  },
  save(token, user) {
    sessionStorage.setItem('citysense.token', token);
    sessionStorage.setItem('citysense.user', user);
  },
  clear() {
    sessionStorage.removeItem('citysense.token');
  },
};

// The banner's URL carries ?token=: take it, then drop it from the address bar and history.
const fromUrl = new URLSearchParams(location.search).get('token');
if (fromUrl) {
  sessionStorage.setItem('citysense.token', fromUrl);
  history.replaceState(null, '', location.pathname);
}

const alarm = createAlarm();
setLang(lang());
for (const b of document.querySelectorAll('.lang-switch'))
  b.addEventListener('click', () => {
    setLang(lang() === 'en' ? 'zh-CN' : 'en');
    app?.relabel();
  });
let app;

showLogin();

function showLogin(error = '') {
  const form = $('#login-form');
  form.elements.token.value = session.token;
  form.elements.user.value = session.user || 'operator';
  $('#login-error').textContent = error;
  $('#login').hidden = false;
  form.onsubmit = async (ev) => {
    ev.preventDefault();
    alarm.unlock(); // the click is the gesture that lets the page make sound
    const token = form.elements.token.value.trim();
    const user = form.elements.user.value.trim();
    const api = createApi(token);
    try {
      const { departments } = await api.departments();
      session.save(token, user);
      $('#login').hidden = true;
      app = await startApp(api, token, user, departments);
    } catch (e) {
      $('#login-error').textContent = e.status === 401 ? t('badToken') : `${t('error')}: ${e.message}`;
    }
  };
  if (session.token && session.user) form.requestSubmit();
}

async function startApp(api, token, user, departments) {
  const settings = await fetch('/console/settings.json').then((r) => r.json());
  const incidents = new Map();
  let view = 'monitor';
  let deviceId; // the device view's device
  let leaveView = () => {}; // stops the refresh of the view being left

  $('#app').hidden = false;
  $('#who').textContent = `${t('operator')}: ${user}`;
  $('#sound').checked = alarm.enabled();
  $('#sound').onchange = (e) => {
    alarm.setEnabled(e.target.checked);
    if (e.target.checked) alarm.unlock();
  };
  $('#logout').onclick = () => {
    session.clear();
    location.reload();
  };

  const openDevice = (id) => ((deviceId = id), showView('device'));
  const cityMap = createMonitorMap({
    el: $('#monitor-map'),
    api,
    settings,
    incidents: () => [...incidents.values()],
    onDevice: openDevice,
    onIncident: (id) => openIncident(id),
  });
  const detailEl = $('#detail');
  const detail = createDetail({
    root: detailEl,
    api,
    user: () => user,
    departments: () => departments,
    showMap: (el, inc) => cityMap.showIncident(el, inc),
    openDevice,
    onChanged: (inc) => upsert(inc),
    onClose: () => {
      detailEl.hidden = true;
      detail.clear();
      drawBoard();
    },
  });
  const openIncident = async (id) => {
    showView('monitor');
    detailEl.hidden = false;
    await detail.open(id);
    drawBoard();
  };

  // The board's own view: the stream's filter, the search text, columns opened past +N, picked cards.
  const board = { filter: {}, search: '', expanded: new Set(), picked: new Set() };
  const bulk = createBulk($('#bulk'), {
    api,
    user: () => user,
    picked: board.picked,
    incidents,
    visible: () => [...incidents.values()].filter((i) => onBoard(i, board.filter, board.search)).map((i) => i.id),
    onChanged: (inc) => upsert(inc),
    onPicked: () => drawBoard(),
  });
  $('#board-search').oninput = (e) => {
    board.search = e.target.value;
    drawBoard();
  };
  let boardQueued = false;
  const drawBoard = () => {
    if (boardQueued) return;
    boardQueued = true;
    requestAnimationFrame(() => {
      boardQueued = false;
      renderBoard($('#board'), incidents, {
        ...board,
        onOpen: openIncident,
        selected: detailEl.hidden ? undefined : detail.currentId(),
        onExpand: (state, open) => (open ? board.expanded.add(state) : board.expanded.delete(state), drawBoard()),
        onPick: (id, on) => (on ? board.picked.add(id) : board.picked.delete(id), bulk.render()),
      });
      cityMap.incidentsChanged();
    });
  };
  // Replays carry older snapshots: keep the newest one.
  const upsert = (inc) => {
    const have = incidents.get(inc.id);
    if (have && have.updatedAt > inc.updatedAt) return;
    incidents.set(inc.id, inc);
    drawBoard();
  };
  // Every open case, however old, and the latest of the rest: an old red case must be on the board.
  const [open, recent] = await Promise.all([api.incidents('state=warning,acknowledged,dispatched,resolved&limit=1000'), api.incidents()]);
  for (const inc of [...open, ...recent]) upsert(inc);

  const feed = createFeed($('#alert-list'), {
    open: (m) => {
      if (m.incident) return openIncident(m.incident.id);
      // A grouped case holds other devices' alerts too: the rule's case listing the device.
      const holds = (i) =>
        i.dedupKey === m.alert.dedupKey || (i.ruleId === m.alert.ruleId && i.members?.some((x) => x.deviceId === m.alert.deviceId));
      const inc = [...incidents.values()].find((i) => holds(i) && !['closed', 'reviewed', 'false_alarm'].includes(i.state));
      if (inc) openIncident(inc.id);
    },
  });

  let lastStatus;
  const paintStatus = (s) => {
    const conn = $('#conn');
    conn.dataset.state = s.state;
    conn.textContent = `● ${t(s.state === 'live' ? 'live' : s.attempt ? 'reconnecting' : 'connecting')}${s.retryInMs ? ` (${Math.round(s.retryInMs / 1000)}s)` : ''} · ${t('lastSeq')} ${s.lastSeq ?? '—'}`;
    conn.dataset.seq = String(s.lastSeq ?? '');
    $('#reconnect').hidden = s.state === 'live';
  };
  const stream = createStream({
    token,
    onMessage(m, { history }) {
      feed.add(m);
      const body = m.alert ?? m.incident;
      if (m.alert?.deviceId) cityMap.devicesChanged();
      if (m.incident) {
        upsert(m.incident);
        detail.refresh(m.incident);
      }
      const raised = m.alert ? m.alert.phase === 'raise' : ['opened', 'escalated'].includes(m.event?.type);
      if (!history && raised && body.severity === 'red') alarm.red();
    },
    onStatus: (s) => paintStatus((lastStatus = s)),
  });
  $('#reconnect').onclick = () => stream.reconnectNow();

  $('#filters').onsubmit = (ev) => {
    ev.preventDefault();
    const f = new FormData(ev.target);
    const filter = {};
    const sev = f.getAll('severity');
    if (sev.length && sev.length < 4) filter.severity = sev;
    for (const k of ['category', 'district', 'grid']) {
      const v = String(f.get(k) ?? '').trim();
      if (v) filter[k] = v;
    }
    stream.setFilter(filter);
    feed.setFilter(filter);
    board.filter = filter; // the chips filter the board too, not only the stream
    drawBoard();
  };
  $('#filters').onreset = () => setTimeout(() => $('#filters').requestSubmit());

  // Optional stages: the evaluation page only when GET /api/evaluation answers.
  const evaluation = await api.evaluation().catch(() => undefined);
  $('[data-view=evaluation]').hidden = evaluation === undefined;

  function showView(next) {
    view = next;
    leaveView();
    leaveView = () => {};
    for (const b of document.querySelectorAll('[data-view]')) b.classList.toggle('active', b.dataset.view === view);
    for (const v of ['monitor', 'report', 'evaluation', 'device', 'silences', 'rules']) $(`#view-${v}`).hidden = v !== view;
    if (view === 'monitor') cityMap.shown();
    if (view === 'report') {
      renderReport($('#view-report'), {
        api,
        user: () => user,
        settings,
        devices: () => cityMap.devices(),
        incidents: () => [...incidents.values()],
        onReported: (inc) => {
          upsert(inc);
          openIncident(inc.id);
        },
      });
    }
    if (view === 'evaluation') renderEvaluation($('#view-evaluation'), (q) => api.evaluation(q));
    if (view === 'device')
      leaveView = renderDeviceView($('#view-device'), { api, id: deviceId, openIncident, back: () => showView('monitor') });
    if (view === 'silences') renderSilences($('#view-silences'), { api, user: () => user });
    if (view === 'rules') renderRules($('#view-rules'), { api, flows: settings.flows });
  }
  for (const b of document.querySelectorAll('[data-view]')) b.onclick = () => showView(b.dataset.view);

  setInterval(() => tickCountdowns(), 1000);
  drawBoard();
  return {
    relabel() {
      relabel(document);
      $('#who').textContent = `${t('operator')}: ${user}`;
      feed.relabel();
      bulk.render();
      if (lastStatus) paintStatus(lastStatus);
      drawBoard();
      if (!detailEl.hidden && detail.currentId()) detail.open(detail.currentId(), true);
      if (view !== 'monitor') showView(view);
    },
  };
}
