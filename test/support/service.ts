// Starts the real service on free loopback ports for integration tests, and the real clients
// (mqtt.js, ws) a gateway or an operator would use. No mocks.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { type Logger, pino } from 'pino';
import WebSocket from 'ws';
import { type ConfigInput, loadConfig } from '../../app/config.js';
import { type RunningService, startService } from '../../app/service.js';

export const TOKEN = 'test-operator-token-0123456789';

/** Write a file into a fresh temp dir and return its path. */
export function tempFile(name: string, content: string | object): string {
  const dir = mkdtempSync(join(tmpdir(), 'citysense-test-'));
  const p = join(dir, name);
  writeFileSync(p, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return p;
}

/** The service on port 0 everywhere, no demo, its own data dir; `logger` lets a test read the log. */
export async function startTestService(overrides: ConfigInput = {}, logger?: Logger): Promise<RunningService & { dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'citysense-data-'));
  const config = loadConfig(
    {},
    {
      mqtt: { host: '127.0.0.1', port: 0, wsPort: 0 },
      http: { host: '127.0.0.1', port: 0 },
      dataDir,
      demo: false,
      allowAnonymous: true,
      operatorToken: TOKEN,
      deadlineCheckInterval: '200ms',
      logLevel: 'silent',
      // Node-RED costs a second or two to start: only the tests that use it turn it on.
      flows: { enabled: false },
      ...overrides,
    },
  );
  const svc = await startService(config, { logger: logger ?? pino({ level: process.env.TEST_LOG ?? 'silent' }) });
  return Object.assign(svc, { dataDir });
}

/** A connected mqtt.js client (MQTT 3.1.1, as aedes speaks). */
export function connectMqtt(url: string, opts: IClientOptions = {}): Promise<MqttClient> {
  return new Promise((resolve, reject) => {
    const c = mqtt.connect(url, { protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 5000, ...opts });
    c.once('connect', () => resolve(c));
    c.once('error', (err) => {
      c.end(true);
      reject(err);
    });
  });
}

export const publish = (c: MqttClient, topic: string, payload: unknown, qos: 0 | 1 = 1) =>
  c.publishAsync(topic, typeof payload === 'string' ? payload : JSON.stringify(payload), { qos });

export type WsMessage = { type: string; seq?: number; [k: string]: unknown };

/** An operator's WebSocket: collects every message and lets a test wait for one. */
export class Operator {
  readonly messages: WsMessage[] = [];
  private waiters: Array<{ pred: (m: WsMessage) => boolean; resolve: (m: WsMessage) => void }> = [];
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => {
      const m = JSON.parse(data.toString()) as WsMessage;
      this.messages.push(m);
      this.waiters = this.waiters.filter((w) => (w.pred(m) ? (w.resolve(m), false) : true));
    });
  }

  static async connect(url: string, token = TOKEN): Promise<Operator> {
    const ws = new WebSocket(`${url}?token=${encodeURIComponent(token)}`);
    const op = new Operator(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await op.next((m) => m.type === 'hello');
    return op;
  }

  send(message: unknown) {
    this.ws.send(JSON.stringify(message));
  }

  /** The first message (already received or coming) that matches, within timeoutMs. */
  next(pred: (m: WsMessage) => boolean, timeoutMs = 10_000): Promise<WsMessage> {
    const seen = this.messages.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no matching ws message within ${timeoutMs} ms`)), timeoutMs);
      this.waiters.push({ pred, resolve: (m) => (clearTimeout(timer), resolve(m)) });
    });
  }

  close() {
    this.ws.close();
  }
}

/** fetch against the API with the operator token. */
export async function api(base: string, path: string, init: { method?: string; body?: unknown; token?: string | null } = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const token = init.token === undefined ? TOKEN : init.token;
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, json, text, headers: res.headers };
}

/** Poll until fn returns a truthy value (bounded; for state that arrives asynchronously). */
export async function eventually<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 10_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 50));
  }
}
