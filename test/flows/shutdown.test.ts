// `citysense start` with Node-RED on (the default) still exits on SIGTERM after someone logged
// in to the editor: Node-RED arms a session-expiry timer on login that RED.stop() leaves behind.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { eventually } from '../support/service.js';

const BIN = join(import.meta.dirname, '../../bin/citysense.js');
const TOKEN = 'flows-shutdown-token-0123456789';
let child: ChildProcess | undefined;
afterEach(() => {
  child?.kill('SIGKILL');
  child = undefined;
});

it('exits 0 on SIGTERM after an editor login', async () => {
  const env = {
    ...process.env,
    CITYSENSE_DATA_DIR: mkdtempSync(join(tmpdir(), 'citysense-flows-')),
    CITYSENSE_HTTP_PORT: '0',
    CITYSENSE_MQTT_PORT: '0',
    CITYSENSE_MQTT_WS_PORT: '0',
    CITYSENSE_DEMO: '0',
    CITYSENSE_LOG_LEVEL: 'warn',
    CITYSENSE_OPERATOR_TOKEN: TOKEN,
  };
  child = spawn(process.execPath, [BIN, 'start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const flowsUrl = await eventually(() => /Node-RED\s+(http:\S+)/.exec(out)?.[1], 40_000);
  expect(out).toMatch(/user admin, password the operator token/);
  const login = await fetch(`${flowsUrl}auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password: TOKEN }),
  });
  expect(login.status).toBe(200);
  const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
}, 60_000);
