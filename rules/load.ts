// Reading rule files (YAML or JSON) from text or disk into a validated rule set.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { parseRuleSet, type RuleSetResult } from './schema.js';

/** The demo rule set shipped with the service. */
export const DEFAULT_RULES_PATH = fileURLToPath(new URL('./default-rules.yaml', import.meta.url));

/** Parse rule file text (YAML by default, which also reads JSON) and validate it. */
export function loadRuleFile(text: string, format: 'yaml' | 'json' = 'yaml'): RuleSetResult {
  let obj: unknown;
  try {
    obj = format === 'json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    return { ok: false, issues: [{ path: '', message: `${format.toUpperCase()} syntax: ${(err as Error).message}` }] };
  }
  return parseRuleSet(obj);
}

/** Read and validate a rule file; `.json` files parse as JSON, anything else as YAML. */
export async function loadRuleFileFromPath(path: string): Promise<RuleSetResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    return { ok: false, issues: [{ path: '', message: `cannot read ${path}: ${(err as Error).message}` }] };
  }
  return loadRuleFile(text, path.toLowerCase().endsWith('.json') ? 'json' : 'yaml');
}
