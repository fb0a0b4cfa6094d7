// 综合评价 by indicator family: the `composite` of each evaluation row (0–100 per indicator,
// family and overall) as a table headed by the model the answer describes (`families`).
import { h } from './dom.js';
import { lang, t } from './i18n.js';

const label = (x) => (lang() === 'en' ? x.label.en : x.label.zh);

// Below 60 is flagged, 85 and above (the satisfaction target) marked good: a reader scans for both.
const band = (s) => (s === null || s === undefined ? 'score-none' : s < 60 ? 'score-low' : s >= 85 ? 'score-high' : 'score-mid');
const scoreCell = (s, extra = '') =>
  h('td', { class: `score ${band(s)} ${extra}`.trim() }, s === null || s === undefined ? '—' : s.toFixed(1));

/** The table of scores by family, or null when the answer carries no model. */
export function familiesTable(answer, rows, total) {
  const model = answer && Array.isArray(answer.families) ? answer.families : undefined;
  if (!model || !rows.length || !rows[0].composite) return null;
  const withPeriod = rows.some((r) => r.period);
  const head1 = h(
    'tr',
    {},
    withPeriod ? h('th', { rowspan: 2 }, t('period')) : null,
    h('th', { rowspan: 2 }, t('group')),
    h('th', { rowspan: 2 }, t('overall')),
    model.map((f) => h('th', { colspan: f.indicators.length + 1, class: 'family' }, label(f))),
  );
  const head2 = h(
    'tr',
    {},
    model.flatMap((f) => [
      h('th', { class: 'family' }, t('familyScore')),
      ...f.indicators.map((i) => h('th', { title: (i.categories ?? []).join(', ') }, label(i))),
    ]),
  );
  const line = (r, cls) =>
    h(
      'tr',
      { class: cls },
      withPeriod ? h('td', {}, r.period ?? '') : null,
      h('td', {}, r.group),
      scoreCell(r.composite.score, 'overall'),
      model.flatMap((f) => [
        scoreCell(r.composite.families[f.id], 'family'),
        ...f.indicators.map((i) => scoreCell(r.composite.indicators[i.id])),
      ]),
    );
  return h(
    'div',
    { class: 'families' },
    h('h3', {}, t('familiesTitle')),
    h(
      'table',
      { class: 'table evaluation families-table' },
      head1,
      head2,
      rows.map((r) => line(r)),
      total?.composite ? line(total, 'total') : null,
    ),
  );
}
