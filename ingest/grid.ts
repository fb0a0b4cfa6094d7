// Location → grid cell (and district), for readings whose device has none in the registry.
import { readFileSync } from 'node:fs';
import { createPolygonLocator, type GridCell } from './grid-geojson.js';

export type { GridCell } from './grid-geojson.js';

export interface GridLocator {
  /** The cell containing the point, or undefined when the locator has no cell there. */
  locate(loc: { lat: number; lon: number }): GridCell | undefined;
}

export interface GridOptions {
  /** Square cells of this edge length in metres (see `squareCell`). */
  cellSizeM?: number;
  /** A GeoJSON FeatureCollection file of the city's grid cells. */
  geojsonPath?: string;
  /** The same, already parsed. */
  geojson?: unknown;
  /**
   * A GeoJSON FeatureCollection of district polygons (property `district`, else `id`): the
   * district of a point whose cell has none (square cells never have one).
   */
  districtsPath?: string;
  /** The same, already parsed. */
  districts?: unknown;
}

const METRES_PER_DEGREE = 111_320; // one degree of latitude (and of longitude at the equator)

/**
 * The square cell of `cellSizeM` metres containing (lat, lon), as `G-<row>-<col>`.
 * Rows count cells northwards from the south pole (lat −90), columns count cells eastwards
 * from the antimeridian (lon −180), the column width measured at the latitude of the
 * row's centre — so ids are never negative, cells are close to square at every latitude,
 * and the id depends only on the point and the cell size: stable across restarts and machines.
 */
export function squareCell(lat: number, lon: number, cellSizeM: number): string {
  const rowDeg = cellSizeM / METRES_PER_DEGREE;
  const row = Math.floor((lat + 90) / rowDeg);
  const centreLat = Math.min(89.999, -90 + (row + 0.5) * rowDeg);
  const colDeg = cellSizeM / (METRES_PER_DEGREE * Math.cos((centreLat * Math.PI) / 180));
  const col = Math.floor((lon + 180) / colDeg);
  return `G-${row}-${col}`;
}

/**
 * A grid locator. With GeoJSON, the polygon containing the point wins; when `cellSizeM`
 * is given too, points outside every polygon fall back to square cells. With neither,
 * nothing is located (readings keep the grid from the registry, if any). District polygons,
 * when given, name the district of a located cell that has none of its own.
 */
export function createGridLocator(options: GridOptions = {}): GridLocator {
  const { cellSizeM } = options;
  if (cellSizeM !== undefined && !(Number.isFinite(cellSizeM) && cellSizeM > 0)) {
    throw new RangeError(`grid cellSizeM must be a positive number of metres, got ${cellSizeM}`);
  }
  const geojson =
    options.geojson ?? (options.geojsonPath !== undefined ? JSON.parse(readFileSync(options.geojsonPath, 'utf8')) : undefined);
  const polygons = geojson !== undefined ? createPolygonLocator(geojson) : undefined;
  const districtGeojson =
    options.districts ?? (options.districtsPath !== undefined ? JSON.parse(readFileSync(options.districtsPath, 'utf8')) : undefined);
  // A district feature's name is its `district` (createPolygonLocator reads it) or its id (read as the "grid").
  const districts = districtGeojson !== undefined ? createPolygonLocator(districtGeojson) : undefined;
  const cellAt = (lat: number, lon: number): GridCell | undefined =>
    polygons?.(lat, lon) ?? (cellSizeM !== undefined ? { grid: squareCell(lat, lon, cellSizeM) } : undefined);

  return {
    locate({ lat, lon }) {
      const cell = cellAt(lat, lon);
      if (cell === undefined || cell.district !== undefined || districts === undefined) return cell;
      const area = districts(lat, lon);
      if (area !== undefined) cell.district = area.district ?? area.grid;
      return cell;
    },
  };
}
