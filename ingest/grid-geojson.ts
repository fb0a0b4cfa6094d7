// Grid cells drawn by the city (网格化管理): a GeoJSON FeatureCollection of Polygon /
// MultiPolygon features with a `grid` (or `id`) property and an optional `district`.
import { z } from 'zod';
import { issuesOf } from '../model/index.js';

const Position = z.tuple([z.number(), z.number()]).rest(z.number());
const Ring = z.array(Position).min(4);
const PolygonCoords = z.array(Ring).min(1);

const CellFeature = z.object({
  type: z.literal('Feature'),
  id: z.union([z.string(), z.number()]).optional(),
  properties: z
    .object({
      grid: z.union([z.string(), z.number()]).optional(),
      id: z.union([z.string(), z.number()]).optional(),
      district: z.string().optional(),
    })
    .loose()
    .nullable(),
  geometry: z.discriminatedUnion('type', [
    z.object({ type: z.literal('Polygon'), coordinates: PolygonCoords }),
    z.object({ type: z.literal('MultiPolygon'), coordinates: z.array(PolygonCoords).min(1) }),
  ]),
});

export const GridCells = z.object({ type: z.literal('FeatureCollection'), features: z.array(CellFeature) });
export type GridCells = z.input<typeof GridCells>;

export interface GridCell {
  grid: string;
  district?: string;
}

type Ring2 = ReadonlyArray<readonly number[]>;
interface IndexedCell extends GridCell {
  polygons: ReadonlyArray<ReadonlyArray<Ring2>>;
  bbox: [minLon: number, minLat: number, maxLon: number, maxLat: number];
}

/** Build a point-in-polygon lookup; throws with the feature index when the data is invalid. */
export function createPolygonLocator(geojson: unknown): (lat: number, lon: number) => GridCell | undefined {
  const parsed = GridCells.safeParse(geojson);
  if (!parsed.success) {
    const [i] = issuesOf(parsed.error);
    throw new Error(`grid GeoJSON: ${i?.path ?? ''}: ${i?.message ?? 'invalid'}`);
  }
  const cells: IndexedCell[] = parsed.data.features.map((f, index) => {
    const name = f.properties?.grid ?? f.properties?.id ?? f.id;
    if (name === undefined) throw new Error(`grid GeoJSON: features.${index}: needs a "grid" or "id" property`);
    const polygons = f.geometry.type === 'Polygon' ? [f.geometry.coordinates] : f.geometry.coordinates;
    const bbox: IndexedCell['bbox'] = [Infinity, Infinity, -Infinity, -Infinity];
    for (const polygon of polygons) {
      for (const [lon, lat] of polygon[0] ?? []) {
        bbox[0] = Math.min(bbox[0], lon);
        bbox[1] = Math.min(bbox[1], lat);
        bbox[2] = Math.max(bbox[2], lon);
        bbox[3] = Math.max(bbox[3], lat);
      }
    }
    const district = f.properties?.district;
    return { grid: String(name), ...(district !== undefined ? { district } : {}), polygons, bbox };
  });

  return (lat, lon) => {
    for (const c of cells) {
      if (lon < c.bbox[0] || lat < c.bbox[1] || lon > c.bbox[2] || lat > c.bbox[3]) continue;
      if (c.polygons.some((p) => inPolygon(p, lon, lat))) {
        return c.district !== undefined ? { grid: c.grid, district: c.district } : { grid: c.grid };
      }
    }
    return undefined;
  };
}

/** Inside the outer ring and outside every hole (GeoJSON: ring 0 is the shell). */
function inPolygon(rings: ReadonlyArray<Ring2>, x: number, y: number): boolean {
  const [shell, ...holes] = rings;
  return shell !== undefined && inRing(shell, x, y) && !holes.some((h) => inRing(h, x, y));
}

/** Ray casting (even-odd rule); coordinates are [lon, lat]. */
function inRing(ring: Ring2, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi = 0, yi = 0] = ring[i] ?? [];
    const [xj = 0, yj = 0] = ring[j] ?? [];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}
