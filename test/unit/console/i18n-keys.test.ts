// The console's two dictionaries are merged into one per language: a key in both would let the
// views' label silently replace the page's (it did: a bulk-silence error showed the views' text).
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

type Dict = Record<string, string>;
let page: { zh: Dict; en: Dict };
let views: { zh: Dict; en: Dict };

beforeAll(async () => {
  // i18n.js reads the language choice from sessionStorage when it loads.
  (globalThis as { sessionStorage?: unknown }).sessionStorage ??= { getItem: () => null, setItem: () => undefined };
  page = (await import(fileURLToPath(new URL('../../../console/public/i18n.js', import.meta.url)))) as unknown as typeof page;
  views = (await import(fileURLToPath(new URL('../../../console/public/i18n-views.js', import.meta.url)))) as unknown as typeof views;
});

describe('console dictionaries', () => {
  it('share no key between the page and the views', () => {
    for (const l of ['zh', 'en'] as const)
      expect(
        Object.keys(views[l]).filter((k) => k in page[l]),
        l,
      ).toEqual([]);
  });

  it('have the same keys in both languages', () => {
    const merged = (l: 'zh' | 'en') => Object.keys({ ...page[l], ...views[l] }).sort();
    expect(merged('zh')).toEqual(merged('en'));
  });
});
