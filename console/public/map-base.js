// What the city map draws under the live layers: the demo city's district outlines and main
// roads (GeoJSON shipped in console/public/geo/, since no tile server is reachable offline) and
// the service's grid cells (config `grid.geojson` when set, else the square cells of
// ingest/grid.ts computed here with the same arithmetic).
import { geoJSON, latLngBounds, layerGroup, polygon, rectangle } from './vendor/leaflet.js';
import { lang } from './i18n.js';
import { parseGrid, squareCell } from './svg.js';

const METRES_PER_DEGREE = 111_320;
/** More square cells than this in view are not drawn: lines that dense are noise, and slow. */
const MAX_DRAWN_CELLS = 1500;
const DISTRICT_FILL = ['#dfe9f7', '#e7f1e0', '#f7eddc', '#efe3f3', '#e0f0ef', '#f4e4e4'];

// Each file is fetched once per page, whichever map asks first.
const files = new Map();
const load = (url) => {
  if (!files.has(url))
    files.set(
      url,
      fetch(url)
        .then((r) => (r.ok ? r.json() : undefined))
        .catch(() => undefined),
    );
  return files.get(url);
};

/** Whether `map` has been removed since this call: layers added to a removed map throw. */
const removal = (map) => {
  let removed = false;
  map.once('unload', () => (removed = true));
  return () => removed;
};

/** The bounds [[south, west], [north, east]] of a square cell `G-<row>-<col>` (ingest/grid.ts squareCell). */
export function squareCellBounds(id, cellSizeM) {
  const p = parseGrid(id);
  if (!p) return undefined;
  const rowDeg = cellSizeM / METRES_PER_DEGREE;
  const south = -90 + p.row * rowDeg;
  const centreLat = Math.min(89.999, south + rowDeg / 2);
  const colDeg = cellSizeM / (METRES_PER_DEGREE * Math.cos((centreLat * Math.PI) / 180));
  const west = -180 + p.col * colDeg;
  return [
    [south, west],
    [south + rowDeg, west + colDeg],
  ];
}

/** The district outlines and roads, added to `map` under everything else; labels follow the language. */
export async function addBaseLayers(map) {
  const gone = removal(map);
  const [districts, roads] = await Promise.all([load('/console/geo/districts.geojson'), load('/console/geo/roads.geojson')]);
  if (gone()) return undefined;
  const label = (p) => (lang() === 'en' ? (p.nameEn ?? p.name) : p.name);
  if (districts) {
    let i = 0;
    geoJSON(districts, {
      interactive: false,
      style: () => ({
        color: '#7a8aa6',
        weight: 1.5,
        dashArray: '6 4',
        fillColor: DISTRICT_FILL[i++ % DISTRICT_FILL.length],
        fillOpacity: 0.6,
        className: 'district',
      }),
      onEachFeature: (f, layer) =>
        layer.bindTooltip(label(f.properties), { permanent: true, direction: 'center', className: 'district-label' }),
    }).addTo(map);
  }
  if (roads) {
    geoJSON(roads, {
      interactive: false,
      style: (f) =>
        f.properties.kind === 'river' ? { color: '#8fb8e8', weight: 7, opacity: 0.9 } : { color: '#f2b950', weight: 4, opacity: 0.95 },
    }).addTo(map);
  }
  return districts;
}

/**
 * The grid: a layer that follows the view. Square cells are drawn only once zoomed in far
 * enough for them to be few; configured GeoJSON cells are drawn always. `shape(id)` gives the
 * outline of a cell for the incident layer (undefined when the cell is unknown here).
 */
export async function createGridLayer(map, settings) {
  const gone = removal(map);
  const cells = settings.gridCells ? await load('/console/grid-cells.geojson') : undefined;
  const group = layerGroup();
  if (!gone()) group.addTo(map);
  const byId = new Map();
  if (cells) {
    geoJSON(cells, {
      interactive: false,
      style: () => ({ color: '#5b6b88', weight: 0.6, fill: false, className: 'grid-cell' }),
      onEachFeature: (f, layer) => byId.set(String(f.properties?.grid ?? f.properties?.id ?? f.id), layer.getLatLngs()),
    }).addTo(group);
  }
  const drawSquares = () => {
    if (cells || gone()) return;
    group.clearLayers();
    const b = map.getBounds();
    const sw = parseGrid(squareCell(b.getSouth(), b.getWest(), settings.cellSizeM));
    const ne = parseGrid(squareCell(b.getNorth(), b.getEast(), settings.cellSizeM));
    if (!sw || !ne || (ne.row - sw.row + 1) * (ne.col - sw.col + 2) > MAX_DRAWN_CELLS) return;
    for (let row = sw.row; row <= ne.row; row++) {
      // Columns are narrower further north: take this row's own column range.
      const lat = -90 + (row + 0.5) * (settings.cellSizeM / METRES_PER_DEGREE);
      const c0 = parseGrid(squareCell(lat, b.getWest(), settings.cellSizeM)).col;
      const c1 = parseGrid(squareCell(lat, b.getEast(), settings.cellSizeM)).col;
      for (let col = c0; col <= c1; col++) {
        const id = `G-${row}-${col}`;
        rectangle(squareCellBounds(id, settings.cellSizeM), {
          interactive: false,
          color: '#5b6b88',
          weight: 0.4,
          opacity: 0.5,
          fill: false,
          className: 'grid-cell',
        }).addTo(group);
      }
    }
  };
  map.on('moveend', drawSquares);
  drawSquares();
  return {
    shape(id) {
      if (byId.has(id)) return { kind: 'polygon', latlngs: byId.get(id) };
      const bounds = squareCellBounds(id, settings.cellSizeM);
      return bounds ? { kind: 'rect', bounds } : undefined;
    },
    /** A cell outline as a Leaflet layer with these path options. */
    layer(id, options) {
      const s = this.shape(id);
      if (!s) return undefined;
      return s.kind === 'rect' ? rectangle(s.bounds, options) : polygon(s.latlngs, options);
    },
    centre(id) {
      const s = this.shape(id);
      if (!s) return undefined;
      return s.kind === 'rect' ? latLngBounds(s.bounds).getCenter() : polygon(s.latlngs).getBounds().getCenter();
    },
  };
}
