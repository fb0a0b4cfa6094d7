// The browser libraries the console uses, served from node_modules at fixed URLs: pinned in
// package.json (exact versions), never from a CDN, so the page works offline. Only the files
// listed here can be named; nothing else under node_modules is reachable.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** URL under /console/vendor/ → [package, file inside the package]. */
const FILES: Record<string, [pkg: string, file: string]> = {
  // Leaflet 1.9.4, BSD-2-Clause: the ES module build, so the page imports it like its own modules.
  'leaflet.js': ['leaflet', 'dist/leaflet-src.esm.js'],
  'leaflet.css': ['leaflet', 'dist/leaflet.css'],
  // uPlot 1.6.32, MIT.
  'uplot.js': ['uplot', 'dist/uPlot.esm.js'],
  'uplot.css': ['uplot', 'dist/uPlot.min.css'],
};

const require = createRequire(import.meta.url);

/** The file on disk behind /console/vendor/{name}, or undefined when the name is not listed. */
export function vendorFile(name: string): string | undefined {
  const entry = FILES[name];
  if (!entry) return undefined;
  const [pkg, file] = entry;
  return join(dirname(require.resolve(`${pkg}/package.json`)), file);
}
