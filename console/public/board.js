// The incident board: one column per state of the closed loop, with each card's next deadline
// as a live countdown that turns red once it has passed.
import { duration, h, mount } from './dom.js';
import { t } from './i18n.js';

export const STATES = ['warning', 'acknowledged', 'dispatched', 'resolved', 'closed', 'reviewed', 'false_alarm'];
const PER_COLUMN = 40;

/** The deadline that matters now for an incident in its state, or undefined. */
export function nextDeadline(inc) {
  const d = inc.deadlines;
  if (!d) return undefined;
  if (inc.state === 'warning') return { kind: 'acknowledge', label: 'ackBy', due: d.acknowledgeBy };
  // Only the department's own arrive (报到) meets the arrive deadline, not the dispatch.
  if (inc.state === 'acknowledged' || (inc.state === 'dispatched' && inc.arrivedAt === undefined)) return { kind: 'arrive', label: 'arriveBy', due: d.arriveBy };
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

/** Render the board into `root` from a Map of incidents; `onOpen(id)` opens a card. */
export function renderBoard(root, incidents, { onOpen, selected }) {
  const byState = new Map(STATES.map((s) => [s, []]));
  for (const inc of incidents.values()) byState.get(inc.state)?.push(inc);
  const columns = STATES.map((state) => {
    const list = byState.get(state).sort((a, b) => b.updatedAt - a.updatedAt);
    return h(
      'section',
      { class: `column state-${state}`, 'data-state': state },
      h('header', {}, h('span', {}, t(state)), h('span', { class: 'count' }, list.length)),
      h(
        'div',
        { class: 'cards' },
        list.length ? list.slice(0, PER_COLUMN).map((inc) => card(inc, onOpen, selected)) : h('p', { class: 'muted' }, t('noIncidents')),
        list.length > PER_COLUMN ? h('p', { class: 'muted' }, `+${list.length - PER_COLUMN}`) : null,
      ),
    );
  });
  mount(root, columns);
}

function card(inc, onOpen, selected) {
  const next = nextDeadline(inc);
  return h(
    'button',
    {
      class: `card sev-${inc.severity}${inc.id === selected ? ' selected' : ''}`,
      'data-id': inc.id,
      type: 'button',
      onclick: () => onOpen(inc.id),
    },
    h('span', { class: 'title' }, inc.title),
    h('span', { class: 'meta' }, h('b', { class: `badge sev-${inc.severity}` }, t(`sev_${inc.severity}`)), ' ', t(inc.category), ' · ', inc.department ?? '—'),
    h('span', { class: 'meta mono' }, inc.id.slice(-6), inc.grid ? ` · ${inc.grid}` : ''),
    next ? countdown(next.due, next.label) : null,
    inc.overdue.length ? h('span', { class: 'badge overdue-badge' }, `${t('overdue')}: ${inc.overdue.map((k) => t(k === 'acknowledge' ? 'ackBy' : `${k}By`)).join(', ')}`) : null,
  );
}
