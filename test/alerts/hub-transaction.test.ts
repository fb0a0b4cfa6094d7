// The alert path's messages go out on /ws only once their store transaction has committed
// (hub.deferSends around store.writeTransaction, issue #3); a rolled-back one is never sent.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { createHub, type Hub } from '../../alerts/index.js';
import { openSqliteStore, type SqliteStore } from '../../store/index.js';

describe('messages of a store transaction on /ws', () => {
  let dir: string;
  let store: SqliteStore;
  let hub: Hub;
  let url: string;
  let close: () => Promise<void>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'citysense-hubtx-'));
    store = openSqliteStore({ dataDir: dir, logger: pino({ level: 'silent' }) });
    hub = createHub({ log: store.alertLog, onAck: () => ({ ok: true }), graceMs: 0 });
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

  const live = async () => {
    const ws = new WebSocket(url);
    const got: Array<{ type: string; seq?: number; n?: number }> = [];
    ws.on('message', (d) => got.push(JSON.parse(d.toString())));
    await new Promise((r) => ws.once('open', r));
    for (let i = 0; i < 100 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 30)); // past the (zero) grace: live
    return { ws, got };
  };
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  };
  const alert = (n: number) => ({ type: 'alert' as const, n });

  it('sends a committed transaction’s messages after the commit, in order', async () => {
    const c = await live();
    let sentDuring = -1;
    const seqs = hub.deferSends(() =>
      store.writeTransaction(() => {
        const s = [hub.publish(alert(1)), hub.publish(alert(2))];
        sentDuring = c.got.filter((m) => m.type === 'alert').length;
        return s;
      }),
    );
    await until(() => c.got.filter((m) => m.type === 'alert').length === 2);
    expect(sentDuring).toBe(0);
    expect(c.got.filter((m) => m.type === 'alert').map((m) => [m.n, m.seq])).toEqual([[1, seqs[0]], [2, seqs[1]]]);
    c.ws.close();
  });

  it('never sends a rolled-back message, and the next one (which takes its seq again) still arrives', async () => {
    const c = await live();
    let rolledBackSeq = 0;
    expect(() =>
      hub.deferSends(() =>
        store.writeTransaction(() => {
          rolledBackSeq = hub.publish(alert(3));
          throw new Error('incident write failed');
        }),
      ),
    ).toThrow(/incident write failed/);
    expect(store.alertLog.since(rolledBackSeq - 1, 10)).toEqual([]); // not stored
    const next = hub.publish(alert(4));
    expect(next).toBe(rolledBackSeq);
    await until(() => c.got.some((m) => m.n === 4));
    expect(c.got.filter((m) => m.type === 'alert').map((m) => [m.n, m.seq])).toEqual([[4, next]]);
    c.ws.close();
  });
});
