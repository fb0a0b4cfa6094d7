// 综合评价: GET /api/evaluation rates per department / district / grid / rule, rendered as a
// table. The response shape belongs to another stage, so rows are read generically: the
// first array of objects in the answer, its key column first, rates as percentages.
import { duration, h, mount } from './dom.js';
import { familiesTable } from './evaluation-families.js';
import { t } from './i18n.js';

const KEY_FIELDS = ['key', 'group', 'department', 'district', 'grid', 'rule', 'name', 'id'];

/** Find the rows of an evaluation answer. */
export function rowsOf(answer) {
  if (Array.isArray(answer)) return answer;
  for (const v of Object.values(answer ?? {})) if (Array.isArray(v) && v.every((r) => r && typeof r === 'object')) return v;
  return [];
}

// The figures an evaluation is read for (结案率, 按期处置率, 返工率, 误报率, response times).
const PREFERRED = [
  'incidents',
  'manual',
  'closureRate',
  'onTimeRate',
  'onTimeSplit',
  'reworkRate',
  'falseAlarmRate',
  'timeToAcknowledgeMs',
  'timeToDispatchMs',
  'timeToResolveMs',
  'satisfaction',
  'followUp',
];

const cell = (k, v) => {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'number' && /rate$/i.test(k)) return `${(v <= 1 ? v * 100 : v).toFixed(1)}%`;
  if (typeof v === 'number' && /ms$/i.test(k)) return duration(v);
  if (typeof v === 'number') return Number.isInteger(v) ? v : v.toFixed(2);
  // 按期 split: the operator's part, then the department's.
  if (typeof v === 'object' && 'operator' in v && 'department' in v)
    return `${t('operatorPart')} ${cell('rate', v.operator.rate)} · ${t('departmentPart')} ${cell('rate', v.department.rate)}`;
  // 回访: the residents' mean against the target, and how many answered of the links sent.
  if (typeof v === 'object' && 'links' in v && 'average' in v)
    return v.average === null ? `— (0/${v.links})` : `${v.average.toFixed(1)} / ${v.target}${v.met ? ' ✓' : ' ✗'} (${v.n}/${v.links})`;
  if (typeof v === 'object' && 'p50' in v) return `p50 ${cell(k, v.p50)} · p90 ${cell(k, v.p90)}`;
  if (typeof v === 'object' && 'average' in v)
    return v.average === null ? '—' : `${v.average.toFixed(1)} / ${v.target}${v.met ? ' ✓' : ' ✗'}`;
  if (typeof v === 'object')
    return Object.entries(v)
      .map(([kk, vv]) => `${kk} ${cell(k + kk, vv)}`)
      .join(' · ');
  return String(v);
};

/** The columns to show: the key, then the preferred figures when the answer has them, else all. */
function columnsOf(row) {
  const key = KEY_FIELDS.find((k) => k in row) ?? Object.keys(row)[0];
  const preferred = PREFERRED.filter((k) => k in row);
  const rest = preferred.length >= 3 ? preferred : Object.keys(row).filter((k) => k !== key);
  return ['period' in row ? 'period' : undefined, key, ...rest].filter(Boolean);
}

/** Render the evaluation page into root; load(query) fetches the answer (undefined when absent). */
export function renderEvaluation(root, load) {
  const table = h('div', { class: 'evaluation-table' });
  const groupBy = h(
    'select',
    { name: 'groupBy' },
    ['department', 'district', 'grid', 'rule'].map((g) => h('option', { value: g }, t(`by_${g}`))),
  );
  const from = h('input', { type: 'date', name: 'from' });
  const to = h('input', { type: 'date', name: 'to' });
  const period = h(
    'select',
    { name: 'period' },
    h('option', { value: '' }, t('wholeRange')),
    h('option', { value: 'month' }, t('byMonth')),
  );
  const refresh = async () => {
    const q = new URLSearchParams({ groupBy: groupBy.value });
    if (period.value) q.set('period', period.value);
    if (from.value) q.set('from', new Date(from.value).toISOString());
    if (to.value) q.set('to', new Date(to.value).toISOString());
    try {
      const answer = await load(q.toString());
      const rows = rowsOf(answer);
      if (!rows.length) return mount(table, h('p', { class: 'muted' }, t('noEvaluation')));
      const cols = columnsOf(rows[0]);
      const line = (r, cls) =>
        h(
          'tr',
          { class: cls },
          cols.map((c) => h('td', {}, cell(c, r[c]))),
        );
      const total = answer && !Array.isArray(answer) && answer.total && typeof answer.total === 'object' ? answer.total : undefined;
      mount(
        table,
        h(
          'table',
          { class: 'table evaluation' },
          h(
            'tr',
            {},
            cols.map((c) => h('th', {}, t(c))),
          ),
          rows.map((r) => line(r)),
          total ? line(total, 'total') : null,
        ),
        familiesTable(answer, rows, total),
      );
    } catch (e) {
      mount(table, h('p', { class: 'action-error' }, `${t('error')}: ${e.message}`));
    }
  };
  mount(
    root,
    h('h2', {}, t('evaluation')),
    h(
      'div',
      { class: 'row toolbar' },
      h('label', {}, t('groupBy'), ' ', groupBy),
      h('label', {}, t('period'), ' ', period),
      h('label', {}, t('from'), ' ', from),
      h('label', {}, t('to'), ' ', to),
      h('button', { type: 'button', class: 'primary', onclick: refresh }, t('load')),
    ),
    table,
  );
  refresh();
}
