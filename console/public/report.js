// 社区吹哨: a grid worker, patrol or the 12345 hotline raises an incident no sensor saw
// (POST /api/incidents), placed by clicking the city map (lat/lon, and the square cell) or by
// typing lat/lon or a grid id.
import { h, mount } from './dom.js';
import { t } from './i18n.js';
import { mark, missingFields, missingMessage } from './form-check.js';
import { createCityMap } from './map.js';

const CATEGORIES = ['flood', 'fire', 'gas', 'public_order', 'traffic', 'device', 'other'];
const SOURCES = ['grid_worker', 'patrol', 'hotline_12345', 'citizen'];
const SEVERITIES = ['red', 'orange', 'yellow', 'blue'];
// What was typed, kept while the page lives: a language switch renders the form anew.
let draft;
// The map of the last render: removed before the next (Leaflet listens on window until removed).
let shownMap;

/** Render the report page into root. ctx: {api, user(), settings, devices(), incidents(), onReported(incident)}. */
export function renderReport(root, ctx) {
  const mapBox = h('div', { class: 'report-map' });
  const gridInput = h('input', { name: 'grid', autocomplete: 'off', placeholder: 'G-…' });
  const latInput = h('input', { name: 'lat', type: 'number', step: 'any', min: -90, max: 90 });
  const lonInput = h('input', { name: 'lon', type: 'number', step: 'any', min: -180, max: 180 });
  let map;
  const typedPlace = () => {
    const lat = Number(latInput.value);
    const lon = Number(lonInput.value);
    if (latInput.value && lonInput.value && Number.isFinite(lat) && Number.isFinite(lon)) {
      map.pick({ lat, lon });
      map.focus({ loc: { lat, lon }, zoom: 15 });
    }
  };
  latInput.addEventListener('change', typedPlace);
  lonInput.addEventListener('change', typedPlace);
  gridInput.addEventListener('change', () => gridInput.value.trim() && map.focus({ grid: gridInput.value.trim() }));

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
        const missing = missingFields(form, [
          ['title', 'title'],
          ['by', 'by'],
        ]);
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
          draft = undefined;
          ctx.onReported(inc);
        } catch (e) {
          status.textContent = `${t('error')}: ${e.message}`;
        } finally {
          submit.disabled = false;
        }
      },
    },
    h('h2', {}, t('reportTitle')),
    field(
      'category',
      h(
        'select',
        { name: 'category' },
        CATEGORIES.map((c) => h('option', { value: c }, t(c === 'device' ? 'deviceCat' : c))),
      ),
    ),
    field('title', h('input', { name: 'title', required: true, maxlength: 200, autocomplete: 'off' })),
    h(
      'fieldset',
      { class: 'severity-pick' },
      h('legend', {}, t('severity')),
      SEVERITIES.map((s) =>
        h(
          'label',
          { class: `chip sev-${s}` },
          h('input', { type: 'radio', name: 'severity', value: s, checked: s === 'yellow' }),
          t(`sev_${s}`),
        ),
      ),
    ),
    field(
      'source',
      h(
        'select',
        { name: 'source' },
        SOURCES.map((s) => h('option', { value: s }, t(s))),
      ),
    ),
    field('by', h('input', { name: 'by', required: true, value: ctx.user(), autocomplete: 'off' })),
    field('description', h('textarea', { name: 'description', rows: 3, maxlength: 4000 })),
    h(
      'fieldset',
      { class: 'place' },
      h('legend', {}, t('place')),
      h('p', { class: 'muted' }, t('pickOnMap')),
      field('grid', gridInput),
      h('div', { class: 'row' }, field('lat', latInput), field('lon', lonInput)),
    ),
    h('div', { class: 'buttons' }, submit),
    status,
  );
  mount(root, h('div', { class: 'report-layout' }, form, mapBox));
  for (const [name, value] of Object.entries(draft ?? {})) form.elements[name].value = value;
  form.addEventListener('input', () => (draft = Object.fromEntries(new FormData(form))));
  shownMap?.remove();
  shownMap = map = createCityMap(mapBox, {
    settings: ctx.settings,
    onPick: ({ lat, lon, grid }) => {
      latInput.value = String(lat);
      lonInput.value = String(lon);
      // Configured (GeoJSON) cells are the server's to find from lat/lon.
      gridInput.value = grid ?? '';
      status.textContent = '';
      draft = Object.fromEntries(new FormData(form));
    },
  });
  map.update({ devices: ctx.devices(), incidents: ctx.incidents() });
  if (latInput.value && lonInput.value) typedPlace();
}
