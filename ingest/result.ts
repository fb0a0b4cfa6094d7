// The discriminated result every edge parser returns (STYLE: safeParse at the edges).
import type { Issue } from '../model/index.js';
import { issuesOf } from '../model/issues.js';

export type Result<T> = { ok: true; value: T } | { ok: false; issues: Issue[] };

/** Zod issues → `[{path: 'metrics.waterLevel', message}]` as published on citysense/rejected. */
export function toIssues(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>): Issue[] {
  return issuesOf(issues);
}
