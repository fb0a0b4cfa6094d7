// The live data behind the console's maps: the device list (GET /api/devices, read again when the
// stream says something happened and every 15 s for online/offline), the open incidents the page
// already holds, and the maps that show them (the monitor's, and the one in the incident detail).
import { h, mount } from './dom.js';
import { t } from './i18n.js';
import { createCityMap } from './map.js';

const POLL_MS = 15_000;
/** Bursts of alerts read the device list once. */
const SETTLE_MS = 500;

/** ctx: {el, api, settings, incidents(), onDevice(id), onIncident(id)}. */
export function createMonitorMap(ctx) {
  let devices = [];
  let queued;
  const monitor = createCityMap(ctx.el, { settings: ctx.settings, onDevice: ctx.onDevice, onIncident: ctx.onIncident });
  let detail; // { map, el }

  const paint = () => {
    const incidents = ctx.incidents();
    monitor.update({ devices, incidents });
    if (detail?.el.isConnected) detail.map.update({ devices, incidents });
  };
  const refresh = async () => {
    try {
      devices = (await ctx.api.devices()).devices;
      ctx.el.dataset.devices = String(devices.length);
      paint();
    } catch {
      // The next poll tries again; the map keeps what it had.
    }
  };
  const soon = () => {
    if (queued) return;
    queued = setTimeout(() => ((queued = undefined), refresh()), SETTLE_MS);
  };
  refresh();
  setInterval(refresh, POLL_MS);

  return {
    devicesChanged: soon,
    incidentsChanged: paint,
    /** Leaflet measures its element: call after the monitor becomes visible again. */
    shown: () => monitor.resize(),
    devices: () => devices,
    /** The detail drawer's map of an incident, centred on it. */
    showIncident(el, inc) {
      detail?.map.remove();
      const box = h('div', { class: 'detail-map-box' });
      mount(
        el,
        box,
        h(
          'p',
          { class: 'muted' },
          inc.grid ? `${t('grid')} ${inc.grid}` : '',
          inc.loc ? `  ${t('lat')} ${inc.loc.lat}, ${t('lon')} ${inc.loc.lon}` : '',
        ),
      );
      const map = createCityMap(box, { settings: ctx.settings, zoom: 15, onDevice: ctx.onDevice, onIncident: ctx.onIncident });
      detail = { map, el: box };
      map.update({ devices, incidents: [...ctx.incidents().filter((i) => i.id !== inc.id), inc], focus: inc.id });
      map.focus({ loc: inc.loc, grid: inc.grid });
    },
  };
}
