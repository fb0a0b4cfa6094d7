// The `citysense` command as a user runs it: `start` prints URLs and token, the demo fleet
// publishes, SIGTERM shuts down cleanly; `rules check` names errors; bad config stops start-up.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually, tempFile } from '../support/service.js';

const BIN = join(import.meta.dirname, '../../bin/citysense.js');
const run = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env }, timeout: 30_000 });

let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

describe('citysense CLI', () => {
  it('starts on embedded defaults with the demo, prints URLs and token, and stops on SIGTERM', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'citysense-cli-'));
    child = spawn(process.execPath, [BIN, 'start'], {
      env: {
        ...process.env,
        CITYSENSE_DATA_DIR: dataDir,
        CITYSENSE_HTTP_PORT: '0',
        CITYSENSE_MQTT_PORT: '0',
        CITYSENSE_MQTT_WS_PORT: '0',
        CITYSENSE_LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout!.on('data', (d) => (out += d));
    child.stderr!.on('data', (d) => (out += d));
    const banner = await eventually(() => (/operator token\s+(\S+)/.exec(out) && /\bAPI\s+(http:\S+)/.exec(out) ? out : undefined), 20_000);
    const token = /operator token\s+(\S+)/.exec(banner)![1]!;
    const base = /\bAPI\s+(http:\S+)/.exec(banner)![1]!;
    expect(token.length).toBeGreaterThanOrEqual(16);
    expect(out).toContain('anonymous devices are allowed');
    // The demo fleet really publishes through the broker into the store.
    await eventually(async () => {
      const h = (await (await fetch(`${base}/api/health`)).json()) as { store: { telemetry: { readingsWritten: number } } };
      return h.store.telemetry.readingsWritten > 5;
    }, 30_000);
    expect((await fetch(`${base}/api/incidents`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    // 核查结案 needs a second principal: the demo prints a verifier, so one person can walk a case to its close.
    const verifier = /verifier\s+http:\S+\?token=(\S+)/.exec(out)![1]!;
    const call = (t: string, path: string, body: unknown) =>
      fetch(`${base}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const report = (await (
      await call(token, '/api/incidents', { category: 'flood', title: '积水', grid: 'G-1', source: 'patrol', by: 'li' })
    ).json()) as { id: string };
    for (const action of ['acknowledge', 'dispatch', 'arrive', 'feedback'])
      expect((await call(token, `/api/incidents/${report.id}/actions`, { action, by: 'li' })).status, action).toBe(200);
    expect((await call(token, `/api/incidents/${report.id}/actions`, { action: 'close', by: 'li' })).status).toBe(409);
    const closed = await call(verifier, `/api/incidents/${report.id}/actions`, { action: 'close', by: 'zhao' });
    expect(closed.status).toBe(200);
    expect(((await closed.json()) as { state: string }).state).toBe('closed');
    // The demo publishes no district: the demo city's outlines (the console's base map) give one.
    const districts = await eventually(async () => {
      const { devices } = (await (await fetch(`${base}/api/devices`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        devices: Array<{ district: string | null }>;
      };
      const named = devices.map((d) => d.district).filter((d) => d !== null);
      return named.length > 0 ? named : undefined;
    }, 30_000);
    expect(districts.every((d) => ['静安', '虹口', '黄浦', '徐汇', '浦东'].includes(d))).toBe(true);
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(out).toContain('shutting down');
  }, 60_000);

  it('refuses a bad configuration value, naming it', () => {
    const r = run(['start'], { CITYSENSE_HTTP_PORT: 'eighty' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('CITYSENSE_HTTP_PORT (http.port)');
  });

  it('checks rule files: ok, and precise errors with exit 1', () => {
    const ok = run(['rules', 'check', join(import.meta.dirname, '../../rules/default-rules.yaml')]);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain('water-high');
    const bad = tempFile(
      'bad.yaml',
      'rules:\n  - id: water-high\n    version: 1\n    name: x\n    kind: threshold\n    select: { metric: waterLevel }\n    above: high\n    severity: orange\n    category: flood\n',
    );
    const r = run(['rules', 'check', bad]);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/water-high.*above/);
  });

  it('has --help on every command', () => {
    for (const args of [['--help'], ['start', '--help'], ['simulate', '--help'], ['rules', 'check', '--help'], ['review', '--help']]) {
      const r = run(args);
      expect(r.status, args.join(' ')).toBe(0);
      expect(r.stdout).toMatch(/Usage|usage|citysense/);
    }
    expect(run(['frobnicate']).status).toBe(1);
  });
});
