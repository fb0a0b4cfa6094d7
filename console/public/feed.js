// The live alert list: alerts (detections) and incident changes, newest first, coloured by
// severity; the filter also hides what was already listed.
import { clock, h } from './dom.js';
import { t } from './i18n.js';
import { matches } from './stream.js';

const MAX_ITEMS = 300;

/** The feed in listEl; open(message) is called when an item is clicked. */
export function createFeed(listEl, { open }) {
  let filter = {};

  function item(m) {
    if (m.type === 'alert') {
      const a = m.alert;
      return h(
        'li',
        { class: `alert-item sev-${a.severity} phase-${a.phase}`, 'data-seq': m.seq, 'data-type': 'alert', 'data-device': a.deviceId },
        h(
          'div',
          { class: 'line' },
          h('b', { class: `badge sev-${a.severity}` }, t(`sev_${a.severity}`)),
          h('span', { class: 'mono' }, clock(a.ts)),
          h('span', { class: 'what' }, a.phase === 'clear' ? `${t('cleared')} · ${a.ruleName}` : a.ruleName),
        ),
        h(
          'div',
          { class: 'sub' },
          a.deviceId,
          a.value !== undefined ? ` · ${a.metric ?? ''} ${a.value}` : a.eventType ? ` · ${a.eventType}` : '',
          a.grid ? ` · ${a.grid}` : '',
          a.district ? ` · ${a.district}` : '',
        ),
      );
    }
    const inc = m.incident;
    const ev = m.event ?? {};
    return h(
      'li',
      {
        class: `alert-item incident-item sev-${inc.severity} event-${ev.type ?? ''}`,
        'data-seq': m.seq,
        'data-type': 'incident',
        'data-incident': inc.id,
      },
      h(
        'div',
        { class: 'line' },
        h('b', { class: `badge sev-${inc.severity}` }, t(`sev_${inc.severity}`)),
        h('span', { class: 'mono' }, clock(ev.ts ?? inc.updatedAt)),
        h('span', { class: 'what' }, `${t(ev.type ?? inc.state)} → ${t(inc.state)}`),
      ),
      h('div', { class: 'sub' }, inc.title, ' · ', ev.actor ?? '', ' · ', h('span', { class: 'mono' }, inc.id.slice(-6))),
    );
  }

  const shown = []; // the messages listed, oldest first, so a language switch can redraw them

  function place(m) {
    const li = item(m);
    const body = m.alert ?? m.incident;
    li.dataset.facets = JSON.stringify({ severity: body.severity, category: body.category, grid: body.grid, district: body.district });
    li.hidden = !matches(filter, body);
    li.addEventListener('click', () => open(m));
    listEl.prepend(li);
  }

  return {
    add(m) {
      shown.push(m);
      if (shown.length > MAX_ITEMS) shown.shift();
      place(m);
      while (listEl.childElementCount > MAX_ITEMS) listEl.lastElementChild.remove();
    },
    /** Redraw every item (after a language switch). */
    relabel() {
      listEl.replaceChildren();
      shown.forEach(place);
    },
    setFilter(next) {
      filter = next;
      for (const li of listEl.children) li.hidden = !matches(filter, JSON.parse(li.dataset.facets));
    },
  };
}
