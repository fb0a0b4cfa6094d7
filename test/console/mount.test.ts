// The console mount of the real service: the page and its assets at / without a token, with
// headers that keep it offline and the token out of referrers; nothing else is reachable.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../app/service.js';
import { api, startTestService, tempFile } from '../support/service.js';

describe('console mount', () => {
  let svc: RunningService;
  beforeAll(async () => {
    svc = await startTestService({ grid: { cellSizeM: 250 } });
  });
  afterAll(() => svc?.stop());

  it('serves the page and its modules from this origin only', async () => {
    const page = await fetch(`${svc.urls.http}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    const html = await page.text();
    expect(html).toContain('/console/main.js');
    expect(html).not.toMatch(/https?:\/\//); // offline: no CDN, fonts or tiles
    const js = await fetch(`${svc.urls.http}/console/main.js`);
    expect(js.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await js.text()).toContain('createStream');
    const settings = (await (await fetch(`${svc.urls.http}/console/settings.json`)).json()) as { cellSizeM: number };
    expect(settings.cellSizeM).toBe(250);
  });

  it('serves the pinned map and chart libraries and the base map from node_modules and console/public/geo', async () => {
    const leaflet = await fetch(`${svc.urls.http}/console/vendor/leaflet.js`);
    expect(leaflet.headers.get('content-type')).toMatch(/^text\/javascript/);
    expect(await leaflet.text()).toContain('Leaflet 1.9.4');
    expect(await (await fetch(`${svc.urls.http}/console/vendor/uplot.js`)).text()).toContain('export { uPlot as default }');
    expect((await fetch(`${svc.urls.http}/console/vendor/leaflet.css`)).headers.get('content-type')).toMatch(/^text\/css/);
    const districts = (await (await fetch(`${svc.urls.http}/console/geo/districts.geojson`)).json()) as {
      type: string;
      features: unknown[];
    };
    expect(districts.type).toBe('FeatureCollection');
    expect(districts.features.length).toBeGreaterThan(1);
    const settings = (await (await fetch(`${svc.urls.http}/console/settings.json`)).json()) as { gridCells: boolean; flows: string | null };
    expect(settings).toMatchObject({ gridCells: false, flows: null });
    // Only the listed files: not the rest of a package, nor configured cells that do not exist.
    for (const path of [
      '/console/vendor/leaflet-src.js',
      '/console/vendor/package.json',
      '/console/vendor/..%2Fpackage.json',
      '/console/grid-cells.geojson',
      '/console/geo/../index.html',
    ]) {
      expect((await fetch(`${svc.urls.http}${path}`)).status, path).toBe(404);
    }
  });

  it('serves the configured grid cells for the map', async () => {
    const cells = {
      type: 'FeatureCollection',
      features: [
        {
          type: 'Feature',
          properties: { grid: 'HP-01', district: '黄浦' },
          geometry: {
            type: 'Polygon',
            coordinates: [
              [
                [121.47, 31.23],
                [121.48, 31.23],
                [121.48, 31.24],
                [121.47, 31.23],
              ],
            ],
          },
        },
      ],
    };
    const withCells = await startTestService({ grid: { cellSizeM: 250, geojson: tempFile('cells.geojson', cells) } });
    try {
      expect(((await (await fetch(`${withCells.urls.http}/console/settings.json`)).json()) as { gridCells: boolean }).gridCells).toBe(true);
      const served = await fetch(`${withCells.urls.http}/console/grid-cells.geojson`);
      expect(served.headers.get('content-type')).toBe('application/geo+json');
      expect(await served.json()).toEqual(cells);
    } finally {
      await withCells.stop();
    }
  });

  it('answers HEAD without a body and leaves other paths to the API', async () => {
    const head = await fetch(`${svc.urls.http}/console/style.css`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    for (const path of ['/console/../app/config.ts', '/console/%2e%2e/package.json', '/console/missing.js', '/app/service.ts', '/nope']) {
      const r = await fetch(`${svc.urls.http}${path}`);
      expect(r.status, path).toBe(404);
      expect(((await r.json()) as { error: { code: string } }).error.code, path).toBe('not_found');
    }
    expect((await api(svc.urls.http, '/api/incidents', { token: null })).status).toBe(401);
    expect((await fetch(`${svc.urls.http}/`, { method: 'POST' })).status).toBe(404);
  });
});
