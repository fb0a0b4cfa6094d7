// Rule versions and persistence (docs/rules.md § Versions) through the real service: PUT
// /api/rules survives a restart (written back to a writable rule file; kept in the store for
// the shipped demo file, which is never written), and every change is a version with its author.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DEFAULT_RULES_PATH } from '../../rules/index.js';
import { api, eventually, startTestService, tempFile } from '../support/service.js';

const ENGINEER = 'engineer-token-0123456789';
const tokens = [{ name: 'engineer-chen', token: ENGINEER, role: 'admin' as const }];
const water = (above: number) => ({
  id: 'water-high',
  version: 1,
  name: '积水超限',
  kind: 'threshold',
  select: { kind: 'sensor', metric: 'waterLevel' },
  above,
  severity: 'orange',
  category: 'flood',
});
const gas = {
  id: 'gas-leak',
  version: 1,
  name: '燃气泄漏',
  kind: 'threshold',
  select: { kind: 'sensor', metric: 'gas' },
  above: 20,
  severity: 'red',
  category: 'gas',
};

describe('rule versions and PUT /api/rules that a restart keeps', () => {
  let svc: Awaited<ReturnType<typeof startTestService>> | undefined;
  afterEach(async () => {
    await svc?.stop();
    svc = undefined;
  });

  it('writes the set back to a writable rule file, and lists each version with its author and diff', async () => {
    const rules = tempFile('rules.yaml', `# tuned by hand\nrules:\n  - ${JSON.stringify(water(0.5))}\n  - ${JSON.stringify(gas)}\n`);
    svc = await startTestService({ rules, tokens });
    const put = await api(svc.urls.http, '/api/rules', { method: 'PUT', body: { rules: [water(0.6)] }, token: ENGINEER });
    expect(put.status).toBe(200);
    expect(parseYaml(readFileSync(rules, 'utf8'))).toEqual({ rules: [water(0.6)] });

    const versions = (await api(svc.urls.http, '/api/rules/water-high/versions')).json;
    expect(versions.map((v: { version: number; author: string }) => [v.version, v.author])).toEqual([
      [1, 'file'],
      [2, 'engineer-chen'],
    ]);
    expect(versions[1]).toMatchObject({ rule: water(0.6), diff: [{ path: 'above', from: 0.5, to: 0.6 }] });
    expect(Date.parse(versions[1].time)).toBeGreaterThan(Date.now() - 60_000);
    // Removing a rule is a change too.
    const gone = (await api(svc.urls.http, '/api/rules/gas-leak/versions')).json;
    expect(gone.map((v: { author: string; rule: unknown }) => [v.author, v.rule])).toEqual([
      ['file', gas],
      ['engineer-chen', null],
    ]);
    // The write-back reloads the file with the same rules: no new version.
    await new Promise((r) => setTimeout(r, 500));
    expect((await api(svc.urls.http, '/api/rules/water-high/versions')).json).toHaveLength(2);

    const { dataDir } = svc;
    await svc.stop();
    svc = await startTestService({ rules, tokens, dataDir });
    expect((await api(svc.urls.http, '/api/rules')).json.rules).toEqual([water(0.6)]);
    expect((await api(svc.urls.http, '/api/rules/water-high/versions')).json).toHaveLength(2);
  });

  it('records an edit of the file as a version by "file"', async () => {
    const rules = tempFile('rules.json', { rules: [water(0.5)] });
    svc = await startTestService({ rules, tokens });
    const { writeFileSync } = await import('node:fs');
    writeFileSync(rules, JSON.stringify({ rules: [water(0.45)] }));
    const versions = await eventually(async () => {
      const v = (await api(svc!.urls.http, '/api/rules/water-high/versions')).json;
      return v.length === 2 ? v : undefined;
    });
    expect(versions[1]).toMatchObject({ version: 2, author: 'file', diff: [{ path: 'above', from: 0.5, to: 0.45 }] });
    expect((await api(svc.urls.http, '/api/rules/no-such-rule/versions')).status).toBe(404);
  });

  it('keeps a set PUT over the shipped demo file in the store, loads it over the file at restart, and leaves the file alone', async () => {
    const shipped = readFileSync(DEFAULT_RULES_PATH, 'utf8');
    svc = await startTestService({ tokens });
    expect((await api(svc.urls.http, '/api/rules', { method: 'PUT', body: { rules: [water(0.7)] }, token: ENGINEER })).status).toBe(200);
    const { dataDir } = svc;
    await svc.stop();
    svc = await startTestService({ tokens, dataDir });
    expect((await api(svc.urls.http, '/api/rules')).json.rules).toEqual([water(0.7)]);
    expect(readFileSync(DEFAULT_RULES_PATH, 'utf8')).toBe(shipped);
    const versions = (await api(svc.urls.http, '/api/rules/water-high/versions')).json;
    expect(versions.at(-1)).toMatchObject({ author: 'engineer-chen', rule: water(0.7) });
  });
});
