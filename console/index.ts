// The operator console (DESIGN.md: console/ is the operator web page): static, offline assets
// (plain browser ES modules + CSS, no build step) served at `/` by a mount of the HTTP server.
// The assets are public; the page asks for the operator token and sends it with every call.
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vendorFile } from './vendor.js';

export interface ConsoleOptions {
  /** Edge of the square grid cells in metres (config `grid.cellSizeM`), for the grid map. */
  cellSizeM?: number;
  /** Where the grid map centres when no incident has a place yet. */
  centre?: { lat: number; lon: number };
  /** The folder of assets (default: console/public beside this file). */
  root?: string;
  /** The city's grid cells (config `grid.geojson`): the map draws them instead of square cells. */
  gridGeojsonPath?: string;
  /** Where Node-RED is mounted, when it runs: the rules view links to it. */
  flowsPath?: string;
}

/** The demo city's district outlines (the map's base layer); the demo locates districts with them. */
export const DEMO_DISTRICTS_PATH = join(dirname(fileURLToPath(import.meta.url)), 'public', 'geo', 'districts.geojson');

/** A raw handler for a path prefix, as `startHttpServer({ mounts })` takes it. */
export interface ConsoleMount {
  prefix: string;
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
  geojson: 'application/geo+json',
};

// Only flat, known file names: nothing outside the asset folder can be named.
const ASSET = /^\/console\/((?:geo\/)?[a-z0-9-]+)\.(js|css|svg|geojson)$/;
const VENDOR = /^\/console\/vendor\/([a-z0-9-]+\.(js|css))$/;

// Everything comes from this origin (offline: no CDN, fonts or tiles); the token rides in
// URLs only on the first visit, so no referrer may carry it away.
const HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self' ws: wss:; frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

/** The console as a mount at `/`: index.html, its assets under /console/, and its settings. */
export function createConsoleMount(opts: ConsoleOptions = {}): ConsoleMount {
  const root = opts.root ?? join(dirname(fileURLToPath(import.meta.url)), 'public');
  const settings = JSON.stringify({
    cellSizeM: opts.cellSizeM ?? 500,
    centre: opts.centre ?? { lat: 31.2304, lon: 121.4737 },
    gridCells: opts.gridGeojsonPath !== undefined,
    flows: opts.flowsPath ?? null,
  });

  const reply = (req: IncomingMessage, res: ServerResponse, type: string, body: string | Buffer) => {
    res.writeHead(200, { ...HEADERS, 'content-type': type, 'content-length': Buffer.byteLength(body) });
    res.end(req.method === 'HEAD' ? undefined : body);
    return true;
  };

  return {
    prefix: '/',
    async handle(req, res) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return false;
      const path = new URL(req.url ?? '/', 'http://localhost').pathname;
      if (path === '/' || path === '/index.html') return reply(req, res, TYPES.html!, await readFile(join(root, 'index.html')));
      if (path === '/console/settings.json') return reply(req, res, 'application/json; charset=utf-8', settings);
      if (path === '/console/grid-cells.geojson' && opts.gridGeojsonPath)
        return reply(req, res, TYPES.geojson!, await readFile(opts.gridGeojsonPath));
      const v = VENDOR.exec(path);
      const vendor = v ? vendorFile(v[1]!) : undefined;
      if (vendor) return reply(req, res, TYPES[v![2]!]!, await readFile(vendor));
      const m = ASSET.exec(path);
      if (!m) return false;
      const body = await readFile(join(root, `${m[1]}.${m[2]}`)).catch(() => undefined);
      return body ? reply(req, res, TYPES[m[2]!]!, body) : false;
    },
  };
}
