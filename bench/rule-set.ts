// `npm run bench -- --rule-count N`: the bench's rule file cut or grown to N rules, so rule
// evaluation can be measured at other sizes. The latency probe's rule is always kept; beyond
// the file's own rules, copies of them (same selectors and levels, ids `…-copy2`, `…-copy3`)
// are added, so every reading meets N rules' worth of work.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';

const PROBE_RULE = 'bench-probe';

/** How many rules `file` holds. */
export function rulesIn(file: string): number {
  return ((parse(readFileSync(file, 'utf8')) as { rules?: unknown[] }).rules ?? []).length;
}

/** The rules of `file` cut or grown to `count` (the probe's rule among them), in a new file. */
export function ruleFileOfCount(file: string, count: number): { path: string; count: number } {
  const doc = parse(readFileSync(file, 'utf8')) as { rules?: Array<{ id: string }> };
  const all = doc.rules ?? [];
  const probe = all.filter((r) => r.id === PROBE_RULE);
  const others = all.filter((r) => r.id !== PROBE_RULE);
  if (!Number.isInteger(count) || count < probe.length + 1) {
    throw new Error(`--rule-count must be an integer of at least ${probe.length + 1} (the probe's rule and one more)`);
  }
  if (others.length === 0) throw new Error(`${file} has no rules besides the probe's to cut or copy`);
  const rules = [...probe];
  for (let i = 0; rules.length < count; i++) {
    const base = others[i % others.length]!;
    const copy = Math.floor(i / others.length) + 1;
    rules.push(copy === 1 ? base : { ...base, id: `${base.id}-copy${copy}` });
  }
  const path = join(mkdtempSync(join(tmpdir(), 'bench-rules-')), `rules-${count}.yaml`);
  writeFileSync(path, stringify({ rules }));
  return { path, count: rules.length };
}
