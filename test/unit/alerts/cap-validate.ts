// CAP documents checked against the official OASIS CAP 1.2 schema by libxml2 (xmllint-wasm),
// several documents per run: each run starts a WebAssembly instance, which is the slow part.
import { readFileSync } from 'node:fs';
import { validateXML } from 'xmllint-wasm';

const XSD = readFileSync(new URL('../../fixtures/cap/CAP-v1.2.xsd', import.meta.url), 'utf8');

/** Schema errors per document name; an empty list means the document is valid. */
export async function validateCaps(docs: Record<string, string>): Promise<Record<string, string[]>> {
  const names = Object.keys(docs);
  const r = await validateXML({
    xml: names.map((n) => ({ fileName: `${n}.xml`, contents: docs[n]! })),
    schema: [{ fileName: 'CAP-v1.2.xsd', contents: XSD }],
  });
  const out: Record<string, string[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (const e of r.errors) {
    const name = e.loc?.fileName.replace(/\.xml$/, '');
    (name !== undefined && out[name] ? out[name] : (out['(unknown)'] ??= [])).push(e.message);
  }
  // A failed run that named no file must not pass as "no errors".
  if (!r.valid && r.errors.length === 0) out['(unknown)'] = [r.rawOutput];
  return out;
}

/** The `<alert>` elements inside a feed, each as a standalone CAP document. */
export const alertsInFeed = (feed: string): string[] =>
  [...feed.matchAll(/<alert [\s\S]*?<\/alert>/g)].map((m) => `<?xml version="1.0" encoding="UTF-8"?>\n${m[0]}\n`);

/** The text of every `<name>` element. */
export const tag = (xml: string, name: string): string[] =>
  [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, 'g'))].map((m) => m[1]!);
