// The 复盘 tab: the review record (response times, lessons, actions), the form that writes it
// once the incident is closed, and the Markdown export for the case file.
import { duration, h, mount } from './dom.js';
import { t } from './i18n.js';
import { checkActionRows, missingFields, missingMessage } from './form-check.js';

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
      h(
        'table',
        { class: 'table' },
        h('tr', {}, h('th', {}, t('action')), h('th', {}, t('owner')), h('th', {}, t('due'))),
        record.actions.map((a) => h('tr', {}, h('td', {}, a.action), h('td', {}, a.owner), h('td', {}, a.due))),
      ),
    );
  } else parts.push(h('p', { class: 'muted' }, t('notReviewed')));
  mount(root, parts);
}

// Drafts of review forms by incident id: a redraw (a detection attaching, another operator's change,
// a language switch) rebuilds the form, and what was typed must come back with it.
const drafts = new Map();

function reviewForm(inc, user, act) {
  const draft = drafts.get(inc.id) ?? { rootCause: '', lessons: '', rows: [{ action: '', owner: inc.department ?? '', due: '' }] };
  drafts.set(inc.id, draft);
  const rows = h('div', { class: 'review-actions' });
  const bound = (obj, key, attrs) => h('input', { ...attrs, value: obj[key], oninput: (e) => (obj[key] = e.target.value) });
  const rowInputs = [];
  const addRow = (row) => {
    const inputs = {
      action: bound(row, 'action', { name: 'a-action', placeholder: t('action') }),
      owner: bound(row, 'owner', { name: 'a-owner', placeholder: t('owner') }),
      due: bound(row, 'due', { name: 'a-due', type: 'date', 'aria-label': t('due') }),
    };
    rowInputs.push(inputs);
    rows.append(h('div', { class: 'row' }, inputs.action, inputs.owner, inputs.due));
  };
  draft.rows.forEach(addRow);
  const error = h('p', { class: 'action-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('review'));
  const text = (name) => h('textarea', { name, rows: 2, oninput: (e) => (draft[name] = e.target.value) }, draft[name]);
  const form = h(
    'form',
    {
      class: 'review-form',
      novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault();
        // Refuse here, naming what is missing, rather than drop a row: `reviewed` is final.
        const missing = missingFields(form, [
          ['rootCause', 'rootCause'],
          ['lessons', 'lessons'],
        ]);
        const { actions, problems } = checkActionRows(draft.rows.map((r, i) => ({ ...r, inputs: rowInputs[i] })));
        if (missing.length || problems.length) {
          error.textContent = [missing.length ? missingMessage(missing) : '', ...problems].filter(Boolean).join(' · ');
          return;
        }
        submit.disabled = true;
        error.textContent = '';
        try {
          await act({ action: 'review', by: user, review: { rootCause: draft.rootCause.trim(), lessons: draft.lessons.trim(), actions } });
          drafts.delete(inc.id);
        } catch (e) {
          error.textContent = `${t('error')}: ${e.message}`;
          submit.disabled = false;
        }
      },
    },
    h('label', { class: 'field' }, h('span', {}, t('rootCause')), text('rootCause')),
    h('label', { class: 'field' }, h('span', {}, t('lessons')), text('lessons')),
    h('div', { class: 'field' }, h('span', {}, t('actions')), rows),
    h(
      'div',
      { class: 'buttons' },
      h(
        'button',
        {
          type: 'button',
          class: 'add-action',
          onclick: () => {
            const row = { action: '', owner: inc.department ?? '', due: '' };
            draft.rows.push(row);
            addRow(row);
          },
        },
        t('addAction'),
      ),
      submit,
    ),
    error,
  );
  return form;
}
