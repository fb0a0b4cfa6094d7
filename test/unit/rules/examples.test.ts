// The documented example of every kind (rules/examples.yaml) stays valid and covers every kind.
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { loadRuleFileFromPath, RULE_KINDS } from '../../../rules/index.js';

it('rules/examples.yaml is valid and shows every kind', async () => {
  const r = await loadRuleFileFromPath(fileURLToPath(new URL('../../../rules/examples.yaml', import.meta.url)));
  if (!r.ok) throw new Error(JSON.stringify(r.issues));
  expect(new Set(r.rules.map((x) => x.kind))).toEqual(new Set(RULE_KINDS));
});
