// The running rules (GET /api/rules), read-only: rules are changed as files, by PUT /api/rules or
// visually in Node-RED, which is linked when the service runs it.
import { PLACEHOLDER, h, mount } from './dom.js';
import { t } from './i18n.js';

/** A rule's severity as the envelope has it: one `severity`, or its `levels` highest first. */
const severities = (r) => (r.severity ? [r.severity] : (r.levels ?? []).map((l) => l.severity));

/** Render the view into root. ctx: {api, flows: the Node-RED path or null}. */
export async function renderRules(root, ctx) {
  const flows = ctx.flows
    ? h('a', { class: 'flows-link', href: ctx.flows, target: '_blank', rel: 'noopener' }, t('openFlows'))
    : h('span', { class: 'muted' }, t('flowsOff'));
  const head = h('header', { class: 'row' }, h('h2', {}, t('rules')), h('span', { class: 'spacer' }), flows);
  mount(root, head, h('p', { class: 'muted' }, '…'));
  let answer;
  try {
    answer = await ctx.api.rules();
  } catch (e) {
    return void mount(root, head, h('p', { class: 'action-error' }, `${t('error')}: ${e.message}`));
  }
  const rules = answer.rules ?? [];
  mount(
    root,
    head,
    answer.version !== undefined
      ? h('p', { class: 'muted mono' }, `${t('ruleSetVersion')} ${answer.version} · ${answer.hash ?? ''}`)
      : null,
    rules.length
      ? h(
          'table',
          { class: 'table rules-table' },
          h(
            'tr',
            {},
            ['id', 'version', 'title', 'kind', 'severity', 'category', 'enabled'].map((k) => h('th', {}, t(k))),
          ),
          rules.map((r) => {
            const enabled = r.enabled !== false; // the envelope's default
            return h(
              'tr',
              { dataset: { rule: r.id, enabled: String(enabled) } },
              h('td', { class: 'mono' }, r.id),
              h('td', {}, r.version ?? PLACEHOLDER),
              h('td', {}, r.name ?? PLACEHOLDER),
              h('td', { class: 'mono' }, r.kind),
              h(
                'td',
                {},
                severities(r).map((s) => h('b', { class: `badge sev-${s}` }, t(`sev_${s}`))),
                r.levels ? ` (${r.levels.length})` : '',
              ),
              h('td', {}, r.category ? t(r.category) : PLACEHOLDER),
              h('td', {}, enabled ? t('yes') : t('no')),
            );
          }),
        )
      : h('p', { class: 'muted' }, t('noRules')),
  );
}
