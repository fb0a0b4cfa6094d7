// 社区吹哨: a grid worker, patrol or the 12345 hotline raises an incident no sensor saw
// (POST /api/incidents), placed by clicking a cell of the offline grid map or by lat/lon.
import { h, mount } from './dom.js';
import { t } from './i18n.js';
import { mark, missingFields, missingMessage } from './form-check.js';
import { gridMap, parseGrid } from './svg.js';

const CATEGORIES = ['flood', 'fire', 'gas', 'public_order', 'traffic', 'device', 'other'];
const SOURCES = ['grid_worker', 'patrol', 'hotline_12345', 'citizen'];
const SEVERITIES = ['red', 'orange', 'yellow', 'blue'];
// What was typed, by field name: leaving the page or switching language draws the form again.
const draft = {};

/** Render the report page into root. ctx: {api, user(), centre(), mapItems(), onReported(incident)}. */
export function renderReport(root, ctx) {
  let centre = ctx.centre();
  let picked;
  const mapBox = h('div', { class: 'map' });
  const gridInput = h('input', { name: 'grid', autocomplete: 'off', placeholder: 'G-…' });
  const drawMap = () => {
    mount(
      mapBox,
      gridMap({ centre, radius: 7, items: ctx.mapItems(), selected: picked, size: 34, onPick: (id) => ((picked = id), (gridInput.value = draft.grid = id), drawMap()) }),
      h('div', { class: 'pan' }, [['↑', 1, 0], ['↓', -1, 0], ['←', 0, -1], ['→', 0, 1]].map(([s, dr, dc]) => h('button', { type: 'button', onclick: () => pan(dr, dc) }, s))),
    );
  };
  const pan = (dr, dc) => {
    const p = parseGrid(centre);
    if (p) centre = `G-${p.row + dr * 5}-${p.col + dc * 5}`;
    drawMap();
  };
  gridInput.addEventListener('change', () => {
    picked = gridInput.value.trim() || undefined;
    if (parseGrid(picked)) centre = picked;
    drawMap();
  });

  const status = h('p', { class: 'action-error', role: 'status' });
  const submit = h('button', { type: 'submit', class: 'primary' }, t('submit'));
  const field = (key, input) => h('label', { class: 'field' }, h('span', {}, t(key)), input);
  const form = h(
    'form',
    {
      class: 'report-form',
      novalidate: true,
      onsubmit: async (ev) => {
        ev.preventDefault();
        const f = Object.fromEntries(new FormData(form));
        // Name what is missing and keep every field as typed (alerts/actions.ts ManualReport).
        const problems = [];
        const missing = missingFields(form, [['title', 'title'], ['by', 'by']]);
        if (missing.length) problems.push(missingMessage(missing));
        const lat = String(f.lat ?? '').trim();
        const lon = String(f.lon ?? '').trim();
        const badLoc = (lat || lon) && !(lat && lon && Math.abs(Number(lat)) <= 90 && Math.abs(Number(lon)) <= 180);
        for (const name of ['lat', 'lon']) mark(form.elements.namedItem(name), Boolean(badLoc));
        if (badLoc) problems.push(t('badLatLon'));
        const noPlace = !String(f.grid ?? '').trim() && !(lat && lon);
        mark(gridInput, noPlace && !badLoc);
        if (noPlace && !badLoc) problems.push(t('needPlace'));
        if (problems.length) return void (status.textContent = problems.join(' · '));
        const body = { category: f.category, title: f.title.trim(), severity: f.severity, source: f.source, by: f.by.trim() };
        if (f.description) body.description = f.description;
        if (f.lat && f.lon) body.loc = { lat: Number(f.lat), lon: Number(f.lon) };
        if (f.grid?.trim()) body.grid = f.grid.trim();
        status.textContent = '';
        submit.disabled = true;
        try {
          const inc = await ctx.api.report(body);
          status.textContent = `${t('sent')}: ${inc.id}`;
          form.reset();
          for (const k of Object.keys(draft)) delete draft[k];
          picked = undefined;
          drawMap();
          ctx.onReported(inc);
        } catch (e) {
          status.textContent = `${t('error')}: ${e.message}`;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h2', {}, t('reportTitle')),
    field('category', h('select', { name: 'category' }, CATEGORIES.map((c) => h('option', { value: c }, t(c === 'device' ? 'deviceCat' : c))))),
    field('title', h('input', { name: 'title', required: true, maxlength: 200, autocomplete: 'off' })),
    h('fieldset', { class: 'severity-pick' }, h('legend', {}, t('severity')), SEVERITIES.map((s) => h('label', { class: `chip sev-${s}` }, h('input', { type: 'radio', name: 'severity', value: s, checked: s === 'yellow' }), t(`sev_${s}`)))),
    field('source', h('select', { name: 'source' }, SOURCES.map((s) => h('option', { value: s }, t(s))))),
    field('by', h('input', { name: 'by', required: true, value: ctx.user(), autocomplete: 'off' })),
    field('description', h('textarea', { name: 'description', rows: 3, maxlength: 4000 })),
    h('fieldset', { class: 'place' }, h('legend', {}, t('place')), h('p', { class: 'muted' }, t('pickOnMap')), field('grid', gridInput), h('div', { class: 'row' }, field('lat', h('input', { name: 'lat', type: 'number', step: 'any', min: -90, max: 90 })), field('lon', h('input', { name: 'lon', type: 'number', step: 'any', min: -180, max: 180 })))),
    h('div', { class: 'buttons' }, submit),
    status,
  );
  for (const [name, value] of Object.entries(draft)) {
    const el = form.elements.namedItem(name);
    if (el) el.value = value;
  }
  if (draft.grid?.trim()) picked = draft.grid.trim();
  if (parseGrid(picked)) centre = picked;
  const keep = (e) => e.target.name && (draft[e.target.name] = e.target.value);
  form.addEventListener('input', keep);
  form.addEventListener('change', keep);
  mount(root, h('div', { class: 'report-layout' }, form, mapBox));
  drawMap();
}
