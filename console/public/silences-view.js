// 静默 silences: the list (GET /api/silences), a form to create one (POST /api/silences: matchers,
// who, why, until when) and 解除 expire (DELETE). Creating and expiring need an admin token; the
// server's refusal is shown as it is. The form keeps what was typed across re-renders (a
// language switch) and after a refusal.
import { PLACEHOLDER, h, mount, stamp } from './dom.js';
import { t } from './i18n.js';

const MATCHERS = ['device', 'grid', 'district', 'rule', 'category'];
const QUICK_HOURS = [1, 4, 24];
const draft = {}; // field name → what was typed, for this page's life

/** pending / active / expired at `now`, as alerts/silences.ts silenceState. */
export const silenceState = (s, now) => (now < s.startsAt ? 'pending' : now < s.endsAt ? 'active' : 'expired');

/** What is missing or wrong in a draft, as labels to show (empty when it can be sent). */
export function silenceProblems(d, now) {
  const problems = [];
  if (!MATCHERS.some((k) => d[k]?.trim())) problems.push(t('needMatcher'));
  if (!d.createdBy?.trim()) problems.push(t('needCreatedBy'));
  if (!d.comment?.trim()) problems.push(t('needComment'));
  const ends = d.endsAt ? new Date(d.endsAt).getTime() : NaN;
  if (!d.endsAt) problems.push(t('needEndsAt'));
  else if (!Number.isFinite(ends) || ends <= now) problems.push(t('endsAtPast'));
  return problems;
}

/** datetime-local's value (local time, minutes) for an epoch-ms instant. */
const localInput = (ms) => {
  const d = new Date(ms);
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
};

/** Render the view into root. ctx: {api, user()}. */
export function renderSilences(root, ctx) {
  draft.createdBy ??= ctx.user();
  const list = h('div', { class: 'silence-list' });
  const status = h('p', { class: 'action-error', role: 'status' });
  const input = (name, attrs = {}) =>
    h('input', { name, value: draft[name] ?? '', autocomplete: 'off', oninput: (e) => (draft[name] = e.target.value), ...attrs });
  const field = (key, el) => h('label', { class: 'field' }, h('span', {}, t(key)), el);
  const endsAt = input('endsAt', { type: 'datetime-local' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('createSilence'));

  async function load() {
    try {
      const silences = await ctx.api.silences();
      mount(list, table(silences));
    } catch (e) {
      mount(list, h('p', { class: 'action-error' }, `${t('error')}: ${e.message}`));
    }
  }

  async function expire(s) {
    status.textContent = '';
    try {
      await ctx.api.expireSilence(s.id, ctx.user());
    } catch (e) {
      status.textContent = `${t('error')}: ${e.message}`;
    }
    await load();
  }

  function table(silences) {
    if (!silences.length) return h('p', { class: 'muted' }, t('noSilences'));
    const now = Date.now();
    return h(
      'table',
      { class: 'table silences-table' },
      h(
        'tr',
        {},
        ['id', 'matchers', 'state', 'from', 'to', 'createdBy', 'comment', ''].map((k) => h('th', {}, k ? t(k) : '')),
      ),
      silences.map((s) => {
        const state = silenceState(s, now);
        return h(
          'tr',
          { dataset: { silence: s.id, state } },
          h('td', { class: 'mono' }, s.id),
          h(
            'td',
            { class: 'mono' },
            Object.entries(s.matchers)
              .map(([k, v]) => `${k}=${v}`)
              .join(' '),
          ),
          h('td', {}, h('span', { class: `silence-state ${state}` }, t(`silence_${state}`))),
          h('td', { class: 'mono' }, stamp(s.startsAt)),
          h('td', { class: 'mono' }, stamp(s.endsAt)),
          h('td', {}, s.createdBy, s.expiredBy ? ` · ${t('expiredBy')} ${s.expiredBy}` : ''),
          h('td', {}, s.comment),
          h(
            'td',
            {},
            state === 'expired'
              ? PLACEHOLDER
              : h('button', { type: 'button', class: 'danger expire', onclick: () => expire(s) }, t('expire')),
          ),
        );
      }),
    );
  }

  const form = h(
    'form',
    {
      class: 'silence-form',
      novalidate: true, // the problems are listed below the form, all at once, in the page's language
      onsubmit: async (ev) => {
        ev.preventDefault();
        const problems = silenceProblems(draft, Date.now());
        if (problems.length) return void (status.textContent = problems.join('；'));
        const matchers = Object.fromEntries(MATCHERS.filter((k) => draft[k]?.trim()).map((k) => [k, draft[k].trim()]));
        status.textContent = '';
        submit.disabled = true;
        try {
          const s = await ctx.api.createSilence({
            matchers,
            createdBy: draft.createdBy.trim(),
            comment: draft.comment.trim(),
            endsAt: new Date(draft.endsAt).getTime(),
          });
          status.textContent = `${t('silenceCreated')}: ${s.id}`;
          for (const k of [...MATCHERS, 'comment', 'endsAt']) {
            delete draft[k];
            form.elements[k].value = '';
          }
          await load();
        } catch (e) {
          status.textContent = `${t('error')}: ${e.message}`;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h2', {}, t('newSilence')),
    h('p', { class: 'muted' }, t('silenceHint')),
    h(
      'div',
      { class: 'matchers' },
      MATCHERS.map((k) => field(k === 'device' ? 'device' : k, input(k, { placeholder: k === 'device' ? 'sensor-0*' : '' }))),
    ),
    field('createdBy', input('createdBy')),
    field('comment', input('comment', { maxlength: 2000 })),
    field(
      'endsAt',
      h(
        'div',
        { class: 'row' },
        endsAt,
        QUICK_HOURS.map((n) =>
          h(
            'button',
            {
              type: 'button',
              dataset: { hours: String(n) },
              onclick: () => ((endsAt.value = draft.endsAt = localInput(Date.now() + n * 3_600_000)), (status.textContent = '')),
            },
            `+${n}h`,
          ),
        ),
      ),
    ),
    h('div', { class: 'buttons' }, submit),
    status,
  );
  mount(root, h('div', { class: 'silences-layout' }, form, h('section', {}, h('h2', {}, t('silences')), list)));
  load();
}
