import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createGridLocator, squareCell } from '../../../ingest/grid.js';

const square = (lon0: number, lat0: number, size: number) => [
  [
    [lon0, lat0],
    [lon0 + size, lat0],
    [lon0 + size, lat0 + size],
    [lon0, lat0 + size],
    [lon0, lat0],
  ],
];

const cells = {
  type: 'FeatureCollection',
  features: [
    // A cell with a hole: the hole belongs to the next feature.
    {
      type: 'Feature',
      properties: { grid: 'DC-01', district: 'Dongcheng' },
      geometry: { type: 'Polygon', coordinates: [...square(116, 39, 1), ...square(116.4, 39.4, 0.2).map((r) => [...r].reverse())] },
    },
    { type: 'Feature', properties: { id: 'HOLE' }, geometry: { type: 'Polygon', coordinates: square(116.4, 39.4, 0.2) } },
    { type: 'Feature', properties: { grid: 7 }, geometry: { type: 'MultiPolygon', coordinates: [square(0, 0, 1), square(10, 10, 1)] } },
  ],
};

describe('square cells', () => {
  it('is stable and documented: G-<row>-<col> counted from (−90, −180)', () => {
    expect(squareCell(-90, -180, 1000)).toBe('G-0-0');
    expect(squareCell(39.9042, 116.4074, 500)).toBe(squareCell(39.9042, 116.4074, 500));
    expect(squareCell(39.9042, 116.4074, 500)).toMatch(/^G-\d+-\d+$/);
  });

  it('puts points 100 m apart in one 500 m cell, and 1 km apart in different cells', () => {
    // Pick a point in the middle of its cell so the test does not depend on cell borders.
    const size = 500;
    const rowDeg = size / 111_320;
    const lat = -90 + (Math.floor((39.9 + 90) / rowDeg) + 0.5) * rowDeg;
    const colDeg = size / (111_320 * Math.cos((lat * Math.PI) / 180));
    const lon = -180 + (Math.floor((116.4 + 180) / colDeg) + 0.5) * colDeg;
    const id = squareCell(lat, lon, size);
    expect(squareCell(lat + 100 / 111_320, lon, size)).toBe(id);
    expect(squareCell(lat + 1000 / 111_320, lon, size)).not.toBe(id);
    expect(squareCell(lat, lon + colDeg * 2, size)).not.toBe(id);
  });

  it('locates with cellSizeM only', () => {
    const g = createGridLocator({ cellSizeM: 250 });
    expect(g.locate({ lat: 31.23, lon: 121.47 })).toEqual({ grid: squareCell(31.23, 121.47, 250) });
  });

  it('refuses a nonsense cell size', () => {
    expect(() => createGridLocator({ cellSizeM: 0 })).toThrow(/cellSizeM/);
  });

  it('locates nothing when unconfigured', () => {
    expect(createGridLocator().locate({ lat: 1, lon: 1 })).toBeUndefined();
  });
});

describe('GeoJSON cells', () => {
  const g = createGridLocator({ geojson: cells });

  it.each([
    [39.1, 116.1, { grid: 'DC-01', district: 'Dongcheng' }],
    [39.5, 116.5, { grid: 'HOLE' }],
    [0.5, 0.5, { grid: '7' }],
    [10.5, 10.5, { grid: '7' }],
    [5, 5, undefined],
  ])('(%d, %d) → %j', (lat, lon, expected) => {
    expect(g.locate({ lat, lon })).toEqual(expected);
  });

  it('falls back to square cells outside the polygons when cellSizeM is given too', () => {
    const both = createGridLocator({ geojson: cells, cellSizeM: 1000 });
    expect(both.locate({ lat: 39.1, lon: 116.1 })).toEqual({ grid: 'DC-01', district: 'Dongcheng' });
    expect(both.locate({ lat: 5, lon: 5 })).toEqual({ grid: squareCell(5, 5, 1000) });
  });

  it('reads a file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'grid-'));
    const path = join(dir, 'cells.geojson');
    writeFileSync(path, JSON.stringify(cells));
    expect(createGridLocator({ geojsonPath: path }).locate({ lat: 39.1, lon: 116.1 })?.grid).toBe('DC-01');
  });

  it('names the bad feature', () => {
    expect(() =>
      createGridLocator({
        geojson: {
          type: 'FeatureCollection',
          features: [{ type: 'Feature', properties: {}, geometry: { type: 'Point', coordinates: [1, 2] } }],
        },
      }),
    ).toThrow(/features\.0/);
    expect(() =>
      createGridLocator({
        geojson: {
          type: 'FeatureCollection',
          features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: square(0, 0, 1) } }],
        },
      }),
    ).toThrow(/features\.0.*grid/);
  });
});

describe('district polygons', () => {
  const districts = {
    type: 'FeatureCollection',
    features: [
      { type: 'Feature', id: 'West', properties: { district: '西区' }, geometry: { type: 'Polygon', coordinates: square(0, 0, 1) } },
      { type: 'Feature', id: 'East', properties: {}, geometry: { type: 'Polygon', coordinates: square(1, 0, 1) } },
    ],
  };

  it('names the district of a square cell: the `district` property, else the feature id', () => {
    const g = createGridLocator({ cellSizeM: 500, districts });
    expect(g.locate({ lat: 0.5, lon: 0.5 })).toEqual({ grid: squareCell(0.5, 0.5, 500), district: '西区' });
    expect(g.locate({ lat: 0.5, lon: 1.5 })).toEqual({ grid: squareCell(0.5, 1.5, 500), district: 'East' });
    expect(g.locate({ lat: 5, lon: 5 })).toEqual({ grid: squareCell(5, 5, 500) }); // outside every district
  });

  it("keeps a GeoJSON cell's own district, and locates nothing without cells", () => {
    const g = createGridLocator({
      geojson: {
        type: 'FeatureCollection',
        features: [
          { type: 'Feature', properties: { grid: 'C1', district: 'Own' }, geometry: { type: 'Polygon', coordinates: square(0, 0, 1) } },
        ],
      },
      districts,
    });
    expect(g.locate({ lat: 0.5, lon: 0.5 })).toEqual({ grid: 'C1', district: 'Own' });
    expect(createGridLocator({ districts }).locate({ lat: 0.5, lon: 0.5 })).toBeUndefined();
  });

  it("the demo city's file puts the demo's centre in 黄浦", async () => {
    const { DEMO_DISTRICTS_PATH } = await import('../../../console/index.js');
    expect(
      createGridLocator({ cellSizeM: 500, districtsPath: DEMO_DISTRICTS_PATH }).locate({ lat: 31.2304, lon: 121.4737 })?.district,
    ).toBe('黄浦');
  });
});
