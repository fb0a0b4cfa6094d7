// A real hub over a real SQLite store behind a real WebSocket server on loopback, and live
// clients of it: for the tests of /ws delivery that need no whole service.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import WebSocket, { WebSocketServer } from 'ws';
import { createHub, type Hub, type HubOptions } from '../../alerts/index.js';
import { openSqliteStore, type SqliteStore } from '../../store/index.js';

export interface HubServer {
  store: SqliteStore;
  hub: Hub;
  url: string;
  close(): Promise<void>;
}

/**
 * Store, hub (grace 0: clients go live at once) and server; `close` ends all three. Two of them
 * on one `dataDir` share the alert log, as cluster nodes do (each its own SQLite connection).
 */
export async function startHubServer(
  o: { maxBufferedBytes?: number; dataDir?: string; sharedLog?: HubOptions['sharedLog'] } = {},
): Promise<HubServer> {
  const { dataDir, ...hubOptions } = o;
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'citysense-hub-'));
  const store = openSqliteStore({ dataDir: dir, logger: pino({ level: 'silent' }) });
  const hub = createHub({ log: store.alertLog, onAck: () => ({ ok: true }), graceMs: 0, ...hubOptions });
  const server = createServer();
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => hub.attach(ws));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    store,
    hub,
    url,
    async close() {
      hub.close();
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => server.close(r));
      await store.close();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export type Received = { type: string; seq?: number } & Record<string, unknown>;

/** A client past its hello and the (zero) grace, so it is live; `got` fills as messages come. */
export async function liveClient(url: string): Promise<{ ws: WebSocket; got: Received[] }> {
  const ws = new WebSocket(url);
  const got: Received[] = [];
  ws.on('message', (d) => got.push(JSON.parse(d.toString()) as Received));
  await new Promise((r) => ws.once('open', r));
  for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
  await new Promise((r) => setTimeout(r, 30)); // past the (zero) grace: live
  return { ws, got };
}
