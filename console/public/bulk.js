// Bulk actions over the cards picked on the board: acknowledge, false alarm and silence. Each is
// the normal per-incident call (POST /api/incidents/{id}/actions, POST /api/silences), so every
// case gets its own timeline entry; the bar lists what each incident answered.
import { h, mount } from './dom.js';
import { t } from './i18n.js';

const SILENCE_HOURS = [1, 4, 24];

/** What a silence for this incident matches: its rule and grid when grouped by grid, else its rule and device. */
export function silenceMatchers(inc) {
  if (!inc.ruleId) return undefined; // a manual report has no rule whose detections could be muted
  if (inc.group?.by === 'grid' && inc.grid) return { rule: inc.ruleId, grid: inc.grid };
  if (inc.group?.by === 'district' && inc.district) return { rule: inc.ruleId, district: inc.district };
  return inc.deviceId ? { rule: inc.ruleId, device: inc.deviceId } : { rule: inc.ruleId };
}

/** The bulk bar in root. ctx: {api, user(), picked: Set, incidents: Map, visible(): ids on the board, onChanged(inc), onPicked()}. */
export function createBulk(root, ctx) {
  let results = [];
  let form; // 'false_alarm' | 'silence' | undefined: which inputs are open
  const kept = { note: '', comment: '', hours: '4' }; // typed text survives redraws

  async function each(action, call) {
    const ids = [...ctx.picked];
    results = [];
    for (const id of ids) {
      try {
        const updated = await call(id);
        if (updated?.id) ctx.onChanged(updated);
        results.push({ id, ok: true });
        ctx.picked.delete(id);
      } catch (e) {
        results.push({ id, ok: false, message: e.message });
      }
    }
    results.action = action;
    if (results.every((r) => r.ok)) form = undefined;
    ctx.onPicked();
  }

  const run = {
    acknowledge: () => each('acknowledge', (id) => ctx.api.act(id, { action: 'acknowledge', by: ctx.user() })),
    false_alarm: () =>
      each('false_alarm', (id) =>
        ctx.api.act(id, { action: 'false_alarm', by: ctx.user(), ...(kept.note.trim() ? { note: kept.note.trim() } : {}) }),
      ),
    silence: () =>
      each('silence', async (id) => {
        const matchers = silenceMatchers(ctx.incidents.get(id) ?? {});
        if (!matchers) throw new Error(t('noRuleToSilence'));
        return ctx.api.silence({ matchers, createdBy: ctx.user(), comment: kept.comment.trim(), duration: `${kept.hours}h` });
      }),
  };

  function render() {
    const n = ctx.picked.size;
    const error = h('p', { class: 'action-error', role: 'alert' });
    const go = (action) => (ev) => {
      ev?.preventDefault();
      // A silence must say why (the API refuses it otherwise): say so here and keep what was typed.
      if (action === 'silence' && !kept.comment.trim()) return void (error.textContent = t('needSilenceReason'));
      run[action]().then(render);
    };
    const input = (name, attrs) =>
      h('input', { name, value: kept[name], autocomplete: 'off', oninput: (e) => (kept[name] = e.target.value), ...attrs });
    const inputs = {
      false_alarm: () =>
        h(
          'form',
          { class: 'bulk-form', 'data-form': 'false_alarm', onsubmit: go('false_alarm') },
          input('note', { placeholder: t('note') }),
          h('button', { type: 'submit', class: 'danger' }, `${t('false_alarm_action')} (${n})`),
        ),
      silence: () =>
        h(
          'form',
          { class: 'bulk-form', 'data-form': 'silence', onsubmit: go('silence') },
          input('comment', { placeholder: t('silenceWhy') }),
          h(
            'select',
            { name: 'hours', onchange: (e) => (kept.hours = e.target.value) },
            SILENCE_HOURS.map((hrs) => h('option', { value: String(hrs), selected: String(hrs) === kept.hours }, `${hrs}h`)),
          ),
          h('button', { type: 'submit', class: 'primary' }, `${t('silence')} (${n})`),
        ),
    };
    mount(
      root,
      h(
        'div',
        { class: 'bulk-bar' },
        h('span', { class: 'picked-count', 'data-count': n }, `${t('picked')}: ${n}`),
        h(
          'button',
          {
            type: 'button',
            'data-bulk': 'pick-shown',
            onclick: () => {
              for (const id of ctx.visible()) ctx.picked.add(id);
              ctx.onPicked();
              render();
            },
          },
          t('pickShown'),
        ),
        h(
          'button',
          {
            type: 'button',
            'data-bulk': 'clear',
            disabled: !n,
            onclick: () => {
              ctx.picked.clear();
              results = [];
              ctx.onPicked();
              render();
            },
          },
          t('clear'),
        ),
        h(
          'button',
          { type: 'button', class: 'primary', 'data-bulk': 'acknowledge', disabled: !n, onclick: go('acknowledge') },
          t('acknowledge'),
        ),
        h(
          'button',
          { type: 'button', class: 'danger', 'data-bulk': 'false_alarm', disabled: !n, onclick: () => ((form = 'false_alarm'), render()) },
          t('false_alarm_action'),
        ),
        h('button', { type: 'button', 'data-bulk': 'silence', disabled: !n, onclick: () => ((form = 'silence'), render()) }, t('silence')),
      ),
      form && n ? inputs[form]() : null,
      error,
      results.length
        ? h(
            'ul',
            { class: 'bulk-results' },
            results.map((r) =>
              h(
                'li',
                { class: r.ok ? 'ok' : 'failed', 'data-id': r.id },
                `${r.id}: ${r.ok ? t(`done_${results.action}`) : `${t('error')}: ${r.message}`}`,
              ),
            ),
          )
        : null,
    );
  }
  render();
  return { render };
}
