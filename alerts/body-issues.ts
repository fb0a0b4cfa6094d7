// Refusals of a strict body that name the field: zod reports unknown keys at the object's own
// path (the body: `(body)`), so each stray key becomes an issue of its own path.
import type { z } from 'zod';
import { issuesOf } from '../model/issues.js';

/** zodIssues, with each unknown key named by its own path (`note: unknown field`). */
export function bodyIssues(e: z.ZodError): Array<{ path: string; message: string }> {
  return issuesOf(e, { root: '(body)', unknownKey: () => 'unknown field' });
}
