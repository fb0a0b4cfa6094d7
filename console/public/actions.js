// The action bar of an incident: only what its state allows (alerts/state-machine.ts), each
// with the person who acts in mind — the operator acknowledges and dispatches, the department's
// responder gives feedback, someone else verifies and closes (核查结案).
import { h, mount } from './dom.js';
import { t } from './i18n.js';
import { missingFields, missingMessage } from './form-check.js';

const BY_STATE = {
  warning: ['acknowledge', 'false_alarm'],
  acknowledged: ['dispatch', 'false_alarm'],
  dispatched: ['feedback'],
  resolved: ['close'],
  closed: ['review', 'reopen'],
  reviewed: [],
  false_alarm: [],
};

/** What each form cannot be sent without ([field, label]): the API refuses these, the form says so first. */
const NEEDED = {
  feedback: [
    ['by', 'responder'],
    ['note', 'note'],
  ],
  close: [['by', 'verifier']],
  reopen: [['note', 'note']],
};

// The open action form and what was typed in it: the drawer is drawn again whenever the incident
// changes (a detection attaching, another operator), and the form must come back as it was.
let draft; // { id, action, values: { [name]: value } }

const label = (action) => t(action === 'false_alarm' ? 'false_alarm_action' : action);
const field = (name, key, input) => h('label', { class: 'field' }, h('span', {}, t(key)), input);
const text = (name, value = '', required = false) => h('input', { name, value, required, autocomplete: 'off' });

/**
 * Render the action bar for `inc` into root. act(body) posts the action and resolves with the
 * updated incident or rejects with the server's message; onReview switches to the review form.
 */
export function renderActions(root, inc, { user, departments, act, onReview }) {
  const formArea = h('div', { class: 'action-form-area' });
  const error = h('p', { class: 'action-error', role: 'alert' });
  const run = async (body, button) => {
    error.textContent = '';
    if (button) button.disabled = true;
    try {
      await act(body);
      draft = undefined;
    } catch (e) {
      error.textContent = `${t('error')}: ${e.message}`;
      if (button) button.disabled = false;
    }
  };

  const forms = {
    dispatch: () => {
      const select = h(
        'select',
        { name: 'department' },
        departments.map((d) => h('option', { value: d, selected: d === inc.department }, d)),
      );
      return [field('department', 'department', select), field('note', 'note', text('note'))];
    },
    feedback: () => [field('by', 'responder', text('by', inc.department ?? '', true)), field('note', 'note', text('note', '', true))],
    close: () => [field('by', 'verifier', text('by', user, true)), field('note', 'note', text('note'))],
    reopen: () => [field('note', 'note', text('note', '', true))],
    false_alarm: () => [field('note', 'note', text('note'))],
  };

  function open(action, restore = false) {
    if (action === 'review') return onReview();
    if (action === 'acknowledge') return run({ action, by: user }, bar.querySelector('[data-action=acknowledge]'));
    const submit = h('button', { type: 'submit', class: 'primary' }, label(action));
    const form = h(
      'form',
      {
        class: 'action-form',
        'data-action': action,
        novalidate: true,
        onsubmit: (ev) => {
          ev.preventDefault();
          const missing = missingFields(form, NEEDED[action] ?? []);
          if (missing.length) return void (error.textContent = missingMessage(missing));
          error.textContent = '';
          const data = Object.fromEntries(new FormData(form));
          const body = { action, by: (data.by ?? user).trim() };
          if (data.note) body.note = data.note;
          if (data.department) body.department = data.department;
          run(body, submit);
        },
      },
      forms[action](),
      submit,
      h('button', { type: 'button', onclick: () => ((draft = undefined), mount(formArea)) }, t('cancel')),
    );
    if (!restore) draft = { id: inc.id, action, values: {} };
    for (const [name, value] of Object.entries(draft.values)) {
      const el = form.elements.namedItem(name);
      if (el) el.value = value;
    }
    const keep = (e) => e.target.name && (draft.values[e.target.name] = e.target.value);
    form.addEventListener('input', keep);
    form.addEventListener('change', keep);
    if (action === 'close') {
      // DESIGN: 核查结案 — the responder cannot verify their own work; say so before the 409.
      const by = form.elements.namedItem('by');
      const hint = h('span', { class: 'hint warn' });
      const check = () => {
        const same = by.value.trim() === inc.resolvedBy;
        hint.textContent = same ? t('sameVerifier') : '';
        submit.disabled = same;
      };
      by.addEventListener('input', check);
      form.insertBefore(hint, submit);
      check();
    }
    mount(formArea, form);
    if (!restore) form.querySelector('input, select')?.focus();
  }

  const bar = h(
    'div',
    { class: 'action-bar' },
    BY_STATE[inc.state].map((action) =>
      h(
        'button',
        {
          type: 'button',
          class: `action ${action === 'false_alarm' ? 'danger' : 'primary'}`,
          'data-action': action,
          onclick: () => open(action),
        },
        label(action),
      ),
    ),
  );
  mount(root, bar, formArea, error);
  if (draft?.id === inc.id && BY_STATE[inc.state].includes(draft.action)) open(draft.action, true);
}
