// The house rules of STYLE.md § Layout, checked on every test run: a stage uses another stage
// only through its index.ts, model/ (the values stages exchange) imports no stage and may be
// imported from anywhere, and no two stages depend on each other, directly or round a loop.
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Every folder of source that is not a test; test/ may reach into anything. */
const STAGES = [
  'model',
  'broker',
  'ingest',
  'rules',
  'alerts',
  'store',
  'flows',
  'console',
  'simulators',
  'notify',
  'cluster',
  'app',
  'bench',
  'harness',
];
/** model/ is shared vocabulary: it depends on no stage. app/ is the composition root: only the benchmarks start it. */
const MAY_IMPORT: Record<string, (target: string) => boolean> = {
  model: (t) => t === 'model',
};
const IMPORTED_ONLY_BY: Record<string, readonly string[]> = { app: ['bench'] };

interface ImportEdge {
  from: string; // file, relative to the root, with `/`
  to: string; // the imported file
}

const posix = (p: string) => p.split(sep).join('/');
const stageOf = (file: string) => file.split('/')[0]!;

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      // The console's browser scripts are plain JS with no imports of ours; node_modules is not ours.
      if (entry.name !== 'node_modules' && entry.name !== 'public') out.push(...sourceFiles(path));
    } else if (/\.(ts|mts|cts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** The relative imports of every source file (static, re-exports, `import()` and `import('…')` types). */
export function importEdges(root = ROOT): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const stage of STAGES) {
    let files: string[];
    try {
      files = sourceFiles(join(root, stage));
    } catch {
      continue; // a stage folder that does not exist (yet)
    }
    for (const file of files) {
      const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
      for (const { fileName } of info.importedFiles) {
        if (!fileName.startsWith('.')) continue;
        const target = posix(relative(root, resolve(dirname(file), fileName))).replace(/\.js$/, '.ts');
        edges.push({ from: posix(relative(root, file)), to: target });
      }
    }
  }
  return edges;
}

/** Imports that break the layout, as `from → to: why`. */
export function layoutViolations(edges: readonly ImportEdge[]): string[] {
  const out: string[] = [];
  for (const { from, to } of edges) {
    const a = stageOf(from);
    const b = stageOf(to);
    if (a === b) continue;
    if (b === 'test') out.push(`${from} → ${to}: only tests may use test/`);
    else if (!STAGES.includes(b))
      continue; // bin/, the package.json and the like
    else if (MAY_IMPORT[a] && !MAY_IMPORT[a](b)) out.push(`${from} → ${to}: ${a}/ may import no stage`);
    else if (IMPORTED_ONLY_BY[b] && !IMPORTED_ONLY_BY[b].includes(a)) out.push(`${from} → ${to}: ${b}/ is not for ${a}/ to use`);
    else if (b !== 'model' && to !== `${b}/index.ts`) out.push(`${from} → ${to}: use ${b}/index.ts, not another stage's internals`);
  }
  return out;
}

/** Loops in the stage graph (each as `a → b → … → a`), found by depth-first search. */
export function stageCycles(edges: readonly ImportEdge[]): string[] {
  const graph = new Map<string, Set<string>>();
  for (const { from, to } of edges) {
    const a = stageOf(from);
    const b = stageOf(to);
    if (a !== b && STAGES.includes(b)) graph.set(a, (graph.get(a) ?? new Set()).add(b));
  }
  const cycles = new Set<string>();
  const walk = (node: string, path: string[]) => {
    const at = path.indexOf(node);
    if (at >= 0) {
      // Report each loop once, starting from its smallest stage name.
      const loop = path.slice(at);
      const start = loop.indexOf([...loop].sort()[0]!);
      const rotated = [...loop.slice(start), ...loop.slice(0, start)];
      cycles.add([...rotated, rotated[0]].join(' → '));
      return;
    }
    for (const next of graph.get(node) ?? []) walk(next, [...path, node]);
  };
  for (const stage of graph.keys()) walk(stage, []);
  return [...cycles].sort();
}

describe('architecture: stages meet at their index.ts', () => {
  const edges = importEdges();

  it('finds the imports it checks', () => {
    // A walker that found nothing would pass everything.
    expect(edges.length).toBeGreaterThan(500);
    expect(edges).toContainEqual({ from: 'app/service.ts', to: 'alerts/index.ts' });
  });

  it('no file imports another stage other than through its index.ts (model/ from anywhere)', () => {
    expect(layoutViolations(edges)).toEqual([]);
  });

  it('no stage depends on another that depends back on it, directly or round a loop', () => {
    expect(stageCycles(edges)).toEqual([]);
  });

  it('the checks catch what they are meant to', () => {
    const bad: ImportEdge[] = [
      { from: 'alerts/hub.ts', to: 'store/types.ts' },
      { from: 'store/sqlite.ts', to: 'alerts/index.ts' },
      { from: 'alerts/incidents.ts', to: 'store/index.ts' },
      { from: 'model/incident.ts', to: 'rules/index.ts' },
      { from: 'bench/procs.ts', to: 'test/support/service.ts' },
      { from: 'rules/engine.ts', to: 'app/index.ts' },
      { from: 'app/service.ts', to: 'model/incident.ts' },
    ];
    expect(layoutViolations(bad)).toEqual([
      "alerts/hub.ts → store/types.ts: use store/index.ts, not another stage's internals",
      'model/incident.ts → rules/index.ts: model/ may import no stage',
      'bench/procs.ts → test/support/service.ts: only tests may use test/',
      'rules/engine.ts → app/index.ts: app/ is not for rules/ to use',
    ]);
    expect(stageCycles(bad)).toEqual(['alerts → store → alerts', 'app → model → rules → app']);
  });
});
