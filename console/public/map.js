// The city map (Leaflet, offline): the base layers of map-base.js, devices as markers coloured
// by state, open incidents as filled cells and markers by severity, and an optional point pick.
// Used by the monitor view, the incident detail and the 吹哨 report form.
import { circleMarker, divIcon, layerGroup, map as leafletMap, marker } from './vendor/leaflet.js';
import { h } from './dom.js';
import { t } from './i18n.js';
import { addBaseLayers, createGridLayer } from './map-base.js';
import { SEVERITY_COLOUR, squareCell } from './svg.js';

const RANK = { red: 4, orange: 3, yellow: 2, blue: 1 };
const OPEN = new Set(['warning', 'acknowledged', 'dispatched', 'resolved']);
const ONLINE = '#2e9e44';
const OFFLINE = '#8c96a8';

/** The worst severity of the open incidents of each device: deviceId → severity. */
function worstByDevice(incidents) {
  const worst = new Map();
  for (const i of incidents) {
    if (OPEN.has(i.state) && i.deviceId && RANK[i.severity] > (RANK[worst.get(i.deviceId)] ?? 0)) worst.set(i.deviceId, i.severity);
  }
  return worst;
}

/** What colour and state name a device marker gets: its worst open incident, else online/offline. */
export function deviceState(device, severity) {
  if (severity) return { state: severity, colour: SEVERITY_COLOUR[severity] };
  return device.online ? { state: 'online', colour: ONLINE } : { state: 'offline', colour: OFFLINE };
}

/**
 * A map in `el`. ctx: {settings, zoom?, onDevice?(id), onIncident?(id), onPick?({lat, lon, grid?})}.
 * Returns {ready, update({devices, incidents}), focus({loc?, grid?}), pick(loc), resize()}.
 */
export function createCityMap(el, ctx) {
  const { settings } = ctx;
  const map = leafletMap(el, {
    center: [settings.centre.lat, settings.centre.lon],
    zoom: ctx.zoom ?? 13,
    minZoom: 10,
    maxZoom: 18,
    fadeAnimation: false,
  });
  map.attributionControl.setPrefix('Leaflet');
  map.attributionControl.addAttribution(t('mapAttribution'));
  el.classList.add('city-map');
  const incidentLayer = layerGroup();
  const deviceLayer = layerGroup();
  // Kept and restyled, not rebuilt: every incident change redraws, and a fleet can be thousands.
  const deviceMarkers = new Map();
  let pickMarker;
  let grid;
  let removed = false; // remove() may come while the base layers still load
  let last = { devices: [], incidents: [] }; // and `focus`: an incident id drawn whatever its state

  const ready = (async () => {
    await addBaseLayers(map);
    if (removed) return;
    grid = await createGridLayer(map, settings);
    if (removed) return;
    incidentLayer.addTo(map);
    deviceLayer.addTo(map);
    draw();
  })();

  // Leaflet's own class names go on the SVG paths; the data attributes say which thing it is.
  const tag = (layer, attrs) => Object.assign(layer.getElement().dataset, attrs);

  function draw() {
    if (!grid) return;
    incidentLayer.clearLayers();
    const open = last.incidents.filter((i) => OPEN.has(i.state) || i.id === last.focus).sort((a, b) => RANK[a.severity] - RANK[b.severity]);
    for (const inc of open) {
      const colour = SEVERITY_COLOUR[inc.severity];
      const onclick = () => ctx.onIncident?.(inc.id);
      const cell = inc.grid
        ? grid.layer(inc.grid, {
            color: colour,
            weight: 2,
            fillColor: colour,
            fillOpacity: 0.35,
            className: `incident-cell sev-${inc.severity}`,
            bubblingMouseEvents: false,
          })
        : undefined;
      if (cell) {
        cell.on('click', onclick).bindTooltip(`${inc.id} ${inc.title}`).addTo(incidentLayer);
        tag(cell, { incident: inc.id, grid: inc.grid, severity: inc.severity });
      }
      const at = inc.loc ? [inc.loc.lat, inc.loc.lon] : inc.grid ? grid.centre(inc.grid) : undefined;
      if (!at) continue;
      const icon = divIcon({
        className: '',
        html: h('span', { class: `incident-marker sev-${inc.severity}`, dataset: { incident: inc.id, severity: inc.severity } }, '▲'),
        iconSize: [18, 18],
        iconAnchor: [9, 24],
      }); // above the point, so the device marker under it stays clickable
      marker(at, { icon, title: `${inc.id} ${inc.title}`, zIndexOffset: 1000 })
        .on('click', onclick)
        .addTo(incidentLayer);
    }
    drawDevices();
  }

  function drawDevices() {
    const worst = worstByDevice(last.incidents);
    const shown = new Set();
    for (const d of last.devices) {
      if (!d.loc) continue;
      shown.add(d.id);
      const s = deviceState(d, worst.get(d.id));
      let m = deviceMarkers.get(d.id);
      if (!m) {
        m = circleMarker([d.loc.lat, d.loc.lon], {
          radius: 7,
          color: '#fff',
          weight: 2,
          fillOpacity: 1,
          className: 'device-marker',
          bubblingMouseEvents: false,
        });
        m.on('click', () => ctx.onDevice?.(d.id))
          .bindTooltip('')
          .addTo(deviceLayer);
        deviceMarkers.set(d.id, m);
      }
      m.setLatLng([d.loc.lat, d.loc.lon]).setStyle({ fillColor: s.colour });
      m.setTooltipContent(
        `${d.id} · ${t(d.kind)} · ${t(s.state === 'offline' ? 'deviceOffline' : s.state === 'online' ? 'deviceOnline' : s.state)}`,
      );
      tag(m, { device: d.id, state: s.state });
    }
    for (const [id, m] of deviceMarkers) {
      if (shown.has(id)) continue;
      m.remove();
      deviceMarkers.delete(id);
    }
  }

  function pick(loc) {
    pickMarker?.remove();
    pickMarker = circleMarker([loc.lat, loc.lon], {
      radius: 9,
      color: '#1f4e8c',
      weight: 3,
      fillColor: '#fff',
      fillOpacity: 0.6,
      className: 'pick-marker',
      interactive: false,
    }).addTo(map);
  }
  if (ctx.onPick) {
    el.classList.add('picking');
    map.on('click', (e) => {
      const lat = round6(e.latlng.lat);
      const lon = round6(e.latlng.lng);
      pick({ lat, lon });
      // Square cells are computed here exactly as ingest does; configured cells are the server's to find.
      ctx.onPick({ lat, lon, grid: settings.gridCells ? undefined : squareCell(lat, lon, settings.cellSizeM) });
    });
  }

  return {
    ready,
    update(next) {
      last = { devices: next.devices ?? last.devices, incidents: next.incidents ?? last.incidents, focus: next.focus ?? last.focus };
      draw();
    },
    /** Centre on a place (a location, else a cell) and zoom in to street level. */
    async focus({ loc, grid: id, zoom = 15 }) {
      await ready;
      if (removed) return;
      const at = loc ? [loc.lat, loc.lon] : id ? grid.centre(id) : undefined;
      // No animation: a map removed mid-animation throws from Leaflet's pending frame.
      if (at) map.setView(at, zoom, { animate: false });
    },
    pick,
    /** After the element was shown or resized (Leaflet measures it). */
    resize: () => map.invalidateSize(),
    remove() {
      removed = true;
      map.remove();
    },
  };
}

const round6 = (x) => Math.round(x * 1e6) / 1e6;
