// The 复盘 tab: the review record (response times, lessons, actions), the form that writes it
// once the incident is closed, and the Markdown export for the case file.
import { duration, h, mount } from './dom.js';
import { t } from './i18n.js';

const ms = (v) => (v === null || v === undefined ? '—' : duration(v));

/** Render the review record and (for a closed incident) the review form into root. */
export function renderReview(root, { inc, record, user, act, exportMarkdown }) {
  const m = record?.metrics ?? {};
  const metrics = h(
    'dl',
    { class: 'metrics' },
    [
      ['tAck', ms(m.timeToAcknowledgeMs)],
      ['tDispatch', ms(m.timeToDispatchMs)],
      ['tResolve', ms(m.timeToResolveMs)],
      ['tClose', ms(m.timeToCloseMs)],
      ['deadlineMet', m.deadlineMet === undefined ? '—' : t(m.deadlineMet ? 'yes' : 'no')],
    ].map(([k, v]) => h('div', {}, h('dt', {}, t(k)), h('dd', {}, v))),
  );
  const exportButton = h('button', { type: 'button', class: 'export-md', onclick: exportMarkdown }, t('exportMd'));
  const parts = [h('div', { class: 'review-head' }, h('h3', {}, t('metrics')), exportButton), metrics];
  if (record?.rule?.suggestion) parts.push(h('p', { class: 'hint warn' }, record.rule.suggestion));
  if (inc.state === 'closed') parts.push(reviewForm(inc, user, act));
  else if (record?.rootCause) {
    parts.push(
      h('h3', {}, t('rootCause')),
      h('p', { class: 'review-root-cause' }, record.rootCause),
      h('h3', {}, t('lessons')),
      h('p', {}, record.lessons),
      h('h3', {}, t('actions')),
      h('table', { class: 'table' }, h('tr', {}, h('th', {}, t('action')), h('th', {}, t('owner')), h('th', {}, t('due'))), record.actions.map((a) => h('tr', {}, h('td', {}, a.action), h('td', {}, a.owner), h('td', {}, a.due)))),
    );
  } else parts.push(h('p', { class: 'muted' }, t('notReviewed')));
  mount(root, parts);
}

function reviewForm(inc, user, act) {
  const rows = h('div', { class: 'review-actions' });
  const addRow = () =>
    rows.append(
      h('div', { class: 'row' }, h('input', { name: 'a-action', placeholder: t('action') }), h('input', { name: 'a-owner', placeholder: t('owner'), value: inc.department ?? '' }), h('input', { name: 'a-due', type: 'date' })),
    );
  addRow();
  const error = h('p', { class: 'action-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('review'));
  const form = h(
    'form',
    {
      class: 'review-form',
      onsubmit: async (ev) => {
        ev.preventDefault();
        const f = new FormData(form);
        const [as, os, ds] = ['a-action', 'a-owner', 'a-due'].map((k) => f.getAll(k).map(String));
        const actions = as.map((a, i) => ({ action: a.trim(), owner: os[i].trim(), due: ds[i] })).filter((a) => a.action && a.owner && a.due);
        submit.disabled = true;
        error.textContent = '';
        try {
          await act({ action: 'review', by: user, review: { rootCause: f.get('rootCause'), lessons: f.get('lessons'), actions } });
        } catch (e) {
          error.textContent = `${t('error')}: ${e.message}`;
          submit.disabled = false;
        }
      },
    },
    h('label', { class: 'field' }, h('span', {}, t('rootCause')), h('textarea', { name: 'rootCause', required: true, rows: 2 })),
    h('label', { class: 'field' }, h('span', {}, t('lessons')), h('textarea', { name: 'lessons', required: true, rows: 2 })),
    h('div', { class: 'field' }, h('span', {}, t('actions')), rows),
    h('div', { class: 'buttons' }, h('button', { type: 'button', onclick: addRow }, t('addAction')), submit),
    error,
  );
  return form;
}
