// Every relative link in the README and docs/ resolves inside the repository: the file exists,
// and a `#anchor` names a heading of that file (GitHub's anchors). A clone must not need
// anything outside it to follow the documentation.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The Markdown files whose links are checked. */
function documents(): string[] {
  const docs = readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => join(root, 'docs', f));
  return [join(root, 'README.md'), join(root, 'rules', 'README.md'), ...docs].filter((f) => existsSync(f));
}

/** The lines of a Markdown text outside fenced code blocks. */
function proseLines(text: string): string[] {
  const out: string[] = [];
  let fence: string | null = null;
  for (const line of text.split('\n')) {
    const m = /^\s*(```+|~~~+)/.exec(line);
    if (m) {
      if (fence === null) fence = m[1]!.slice(0, 3);
      else if (m[1]!.startsWith(fence)) fence = null;
      continue;
    }
    if (fence === null) out.push(line);
  }
  return out;
}

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1') // a link's text
    .replace(/<[^>]+>/g, '') // inline HTML
    .trim()
    .toLowerCase();
  return text.replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '').replace(/ /g, '-');
}

/** Every anchor of a Markdown text, numbered as GitHub numbers repeated headings. */
function anchors(text: string): Set<string> {
  const seen = new Map<string, number>();
  const out = new Set<string>();
  for (const line of proseLines(text)) {
    const m = /^#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const base = slug(m[1]!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    out.add(n === 0 ? base : `${base}-${n}`);
  }
  return out;
}

/** The relative link targets of a Markdown text (code spans and fenced blocks left out). */
function links(text: string): string[] {
  const out: string[] = [];
  for (const line of proseLines(text)) {
    const prose = line.replace(/`[^`]*`/g, '');
    for (const m of prose.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)) {
      const target = m[1]!;
      if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, https:, mailto:
      out.push(target);
    }
  }
  return out;
}

/** Why a link of `file` does not resolve, or null when it does. */
function problem(file: string, target: string): string | null {
  const hash = target.indexOf('#');
  const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
  const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
  const dest = pathPart === '' ? file : resolve(dirname(file), pathPart);
  if (!dest.startsWith(root + '/') && dest !== root) return 'points outside the repository';
  if (!existsSync(dest)) return 'no such file';
  if (anchor === null) return null;
  if (statSync(dest).isDirectory() || !dest.endsWith('.md')) return 'an anchor into a file that is not Markdown';
  return anchors(readFileSync(dest, 'utf8')).has(anchor) ? null : `no heading for #${anchor}`;
}

describe('documentation links', () => {
  it('finds the documents and their links', () => {
    const files = documents();
    expect(files.map((f) => relative(root, f))).toContain('docs/architecture.md');
    expect(files.flatMap((f) => links(readFileSync(f, 'utf8'))).length).toBeGreaterThan(20);
  });

  it('resolves every relative link and anchor', () => {
    const broken: string[] = [];
    for (const file of documents()) {
      for (const target of links(readFileSync(file, 'utf8'))) {
        const why = problem(file, target);
        if (why) broken.push(`${relative(root, file)}: (${target}) ${why}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('makes anchors as GitHub does', () => {
    expect(slug('Reviews (复盘 → 优化)')).toBe('reviews-复盘--优化');
    expect(slug('WebSocket `/ws`')).toBe('websocket-ws');
    expect(slug('Manual reports (社区吹哨 / 12345 接诉即办)')).toBe('manual-reports-社区吹哨--12345-接诉即办');
    expect(slug('CAP 1.2')).toBe('cap-12');
    expect([...anchors('# A\n## A\n```\n# not a heading\n```\n')]).toEqual(['a', 'a-1']);
  });
});
