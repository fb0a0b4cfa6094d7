// The incident board: one column per state of the closed loop, severity first then age, each
// card's next deadline as a live countdown that turns red once it has passed. A red or orange
// card is never hidden; the "+N" of the rest opens the whole column.
import { duration, h, mount } from './dom.js';
import { t } from './i18n.js';
import { byUrgency, onBoard, splitColumn } from './board-order.js';

export const STATES = ['warning', 'acknowledged', 'dispatched', 'resolved', 'closed', 'reviewed', 'false_alarm'];
const PER_COLUMN = 40;

/** The deadline that matters now for an incident in its state, or undefined. */
export function nextDeadline(inc) {
  const d = inc.deadlines;
  if (!d) return undefined;
  if (inc.state === 'warning') return { kind: 'acknowledge', label: 'ackBy', due: d.acknowledgeBy };
  // Only the department's own arrive (报到) meets the arrive deadline, not the dispatch.
  if (inc.state === 'acknowledged' || (inc.state === 'dispatched' && inc.arrivedAt === undefined))
    return { kind: 'arrive', label: 'arriveBy', due: d.arriveBy };
  if (inc.state === 'dispatched') return { kind: 'resolve', label: 'resolveBy', due: d.resolveBy };
  return undefined;
}

/** A countdown element, kept current by tickCountdowns(). */
export function countdown(due, label) {
  const el = h('span', { class: 'countdown', dataset: { due: String(due), label } });
  paint(el, Date.now());
  return el;
}

function paint(el, now) {
  const left = Number(el.dataset.due) - now;
  const late = left < 0;
  el.classList.toggle('overdue', late);
  el.textContent = `${t(el.dataset.label)} · ${late ? `${t('overdue')} ${duration(left)}` : `${t('dueIn')} ${duration(left)}`}`;
}

/** Repaint every countdown on the page (called once a second). */
export function tickCountdowns(now = Date.now()) {
  for (const el of document.querySelectorAll('.countdown')) paint(el, now);
}

/**
 * Render the board into `root` from a Map of incidents. view: {onOpen(id), selected, filter,
 * search, expanded: Set of states opened past +N, onExpand(state, open), picked: Set of ids, onPick(id, on)}.
 */
export function renderBoard(root, incidents, view) {
  const { filter = {}, search = '', expanded = new Set(), picked = new Set() } = view;
  const byState = new Map(STATES.map((s) => [s, []]));
  for (const inc of incidents.values()) if (onBoard(inc, filter, search)) byState.get(inc.state)?.push(inc);
  const columns = STATES.map((state) => {
    const list = byState.get(state).sort(byUrgency);
    const open = expanded.has(state);
    const { shown, hidden } = splitColumn(list, PER_COLUMN, open);
    const more = hidden
      ? h('button', { type: 'button', class: 'more', 'data-more': state, onclick: () => view.onExpand?.(state, true) }, `+${hidden}`)
      : open && list.length > PER_COLUMN
        ? h('button', { type: 'button', class: 'more', 'data-more': state, onclick: () => view.onExpand?.(state, false) }, t('showFewer'))
        : null;
    return h(
      'section',
      { class: `column state-${state}`, 'data-state': state },
      h('header', {}, h('span', {}, t(state)), h('span', { class: 'count' }, list.length)),
      h(
        'div',
        { class: 'cards' },
        list.length ? shown.map((inc) => card(inc, view, picked.has(inc.id))) : h('p', { class: 'muted' }, t('noIncidents')),
        more,
      ),
    );
  });
  mount(root, columns);
}

function card(inc, view, isPicked) {
  const next = nextDeadline(inc);
  const members = inc.members?.length;
  const pick = h('input', {
    type: 'checkbox',
    class: 'pick',
    'data-id': inc.id,
    checked: isPicked,
    'aria-label': `${t('select')} ${inc.id}`,
    onchange: (e) => view.onPick?.(inc.id, e.target.checked),
  });
  const button = h(
    'button',
    {
      class: `card sev-${inc.severity}${inc.id === view.selected ? ' selected' : ''}`,
      'data-id': inc.id,
      'data-severity': inc.severity,
      type: 'button',
      onclick: () => view.onOpen(inc.id),
    },
    h('span', { class: 'title' }, inc.title),
    h(
      'span',
      { class: 'meta' },
      h('b', { class: `badge sev-${inc.severity}` }, t(`sev_${inc.severity}`)),
      ' ',
      t(inc.category),
      ' · ',
      inc.department ?? '—',
    ),
    h('span', { class: 'meta mono' }, inc.id.slice(-6), inc.grid ? ` · ${inc.grid}` : ''),
    members ? h('span', { class: 'meta members-count', 'data-members': members }, `${members} ${t('deviceCount')}`) : null,
    next ? countdown(next.due, next.label) : null,
    inc.overdue.length
      ? h(
          'span',
          { class: 'badge overdue-badge' },
          `${t('overdue')}: ${inc.overdue.map((k) => t(k === 'acknowledge' ? 'ackBy' : `${k}By`)).join(', ')}`,
        )
      : null,
  );
  return h('div', { class: `card-row${isPicked ? ' picked' : ''}` }, pick, button);
}
