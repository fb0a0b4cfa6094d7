// The one way zod issues become the `issues` of a refusal or an error reply (DESIGN.md:
// `"issues":[{path,message}]`): the path dotted (`loc.lat`, `metrics.0`), a placeholder where
// the issue is about the whole value, and optionally each unknown key as an issue of its own.
import type { z } from 'zod';
import type { Issue } from './rejection.js';

export interface IssueFormat {
  /** The path given to an issue about the whole value: `''` (default), `(body)`, `(query)`, `(root)`. */
  root?: string;
  /** Name each unknown key by its own path, with this message (default: zod's one issue listing them). */
  unknownKey?: (key: string) => string;
  /** The path of an unknown key: its full path (default), or only its name (a query string's parameter). */
  unknownKeyPath?: 'full' | 'name';
}

type ZodIssues = { issues: readonly z.core.$ZodIssue[] } | ReadonlyArray<{ path: readonly PropertyKey[]; message: string }>;

const dotted = (path: readonly PropertyKey[]) => path.map(String).join('.');

/** zod issues (or a ZodError) → `[{path, message}]`. */
export function issuesOf(error: ZodIssues, format: IssueFormat = {}): Issue[] {
  const list = 'issues' in error ? error.issues : error;
  const root = format.root ?? '';
  return list.flatMap((one) => {
    const i = one as z.core.$ZodIssue;
    if (format.unknownKey && i.code === 'unrecognized_keys') {
      const name = format.unknownKey;
      return i.keys.map((k) => ({ path: format.unknownKeyPath === 'name' ? k : dotted([...i.path, k]), message: name(k) }));
    }
    return [{ path: dotted(i.path) || root, message: i.message }];
  });
}

/** Issues as one line of text, `path: message; …`, each path after `prefix` (`msg.alert` → `msg.alert.severity: …`). */
export function issuesText(issues: readonly Issue[], prefix = ''): string {
  return issues.map((i) => `${[prefix, i.path].filter(Boolean).join('.')}: ${i.message}`).join('; ');
}
