// A WebSocket client that never reads is cut off after a bounded send buffer (issue #8), while
// a client that reads gets every message in order; the cut-off one can come back with resume.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createHub, type Hub } from '../../alerts/index.js';
import { openSqliteStore, type SqliteStore } from '../../store/index.js';

const BOUND = 256 * 1024;

describe('slow WebSocket consumers', () => {
  let dir: string;
  let store: SqliteStore;
  let hub: Hub;
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'citysense-slow-'));
    store = openSqliteStore({ dataDir: dir, logger: pino({ level: 'silent' }) });
    hub = createHub({ log: store.alertLog, onAck: () => ({ ok: true }), maxBufferedBytes: BOUND, graceMs: 0 });
    const server = createServer();
    const wss = new WebSocketServer({ server });
    wss.on('connection', (ws) => hub.attach(ws));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    close = async () => {
      hub.close();
      for (const c of wss.clients) c.terminate();
      await new Promise((r) => server.close(r));
    };
  });
  afterAll(async () => {
    await close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async () => {
    const ws = new WebSocket(url);
    const got: Array<{ type: string; seq?: number }> = [];
    ws.on('message', (d) => got.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.once('open', r));
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 20)); // past the (zero) grace: live
    return { ws, got };
  };

  it('cuts off a client that never reads, with a counter, and never stalls the reading one', async () => {
    const reader = await open();
    const stalled = await open();
    // Never reads again: the kernel buffers fill, then ws' own buffer grows until the bound.
    (stalled.ws as unknown as { _socket: Socket })._socket.pause();
    const pad = 'x'.repeat(8 * 1024);
    let published = 0;
    // Bounded: at most 4,000 × 8 KiB = 32 MiB, far past the bound plus the kernel's buffers.
    for (let batch = 0; batch < 200 && hub.slowClientsDropped() === 0; batch++) {
      for (let i = 0; i < 20; i++) hub.publish({ type: 'alert', alert: { n: ++published, pad } });
      // The reader keeps up before the next batch: its buffer never nears the bound.
      const until = Date.now() + 5000;
      while (reader.got.filter((m) => m.type === 'alert').length < published && Date.now() < until) await new Promise((r) => setTimeout(r, 2));
    }
    expect(hub.slowClientsDropped()).toBe(1);
    expect(hub.clientCount()).toBe(1);
    const last = published;
    for (let i = 0; i < 20; i++) hub.publish({ type: 'alert', alert: { n: ++published, pad } });
    for (let i = 0; i < 500 && reader.got.filter((m) => m.type === 'alert').length < published; i++) await new Promise((r) => setTimeout(r, 5));
    const seqs = reader.got.filter((m) => m.type === 'alert').map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: published }, (_, i) => i + 1));
    expect(last).toBeGreaterThan(BOUND / pad.length);

    // The cut-off client resumes on a new connection and misses nothing.
    (stalled.ws as unknown as { _socket: Socket })._socket.resume();
    stalled.ws.terminate();
    const back = await open();
    back.ws.send(JSON.stringify({ type: 'resume', since: 0 }));
    for (let i = 0; i < 500 && back.got.filter((m) => m.type === 'alert').length < published; i++) await new Promise((r) => setTimeout(r, 5));
    expect(back.got.filter((m) => m.type === 'alert').map((m) => m.seq)).toEqual(seqs);
    reader.ws.close();
    back.ws.close();
  });
});
