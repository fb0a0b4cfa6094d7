// A WebSocket client that never reads is cut off after a bounded send buffer, while
// a client that reads gets every message in order; the cut-off one can come back with resume.
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveClient, startHubServer, type HubServer } from '../support/hub-server.js';
import type { LogMessage } from '../../model/index.js';

const BOUND = 256 * 1024;

describe('slow WebSocket consumers', () => {
  let server: HubServer;
  beforeAll(async () => {
    server = await startHubServer({ maxBufferedBytes: BOUND });
  });
  afterAll(() => server.close());
  const open = () => liveClient(server.url);

  it('cuts off a client that never reads, with a counter, and never stalls the reading one', async () => {
    const reader = await open();
    const stalled = await open();
    // Never reads again: the kernel buffers fill, then ws' own buffer grows until the bound.
    (stalled.ws as unknown as { _socket: Socket })._socket.pause();
    const pad = 'x'.repeat(8 * 1024);
    let published = 0;
    // Bounded: at most 4,000 × 8 KiB = 32 MiB, far past the bound plus the kernel's buffers.
    for (let batch = 0; batch < 200 && server.hub.slowClientsDropped() === 0; batch++) {
      for (let i = 0; i < 20; i++) server.hub.publish({ type: 'alert', alert: { n: ++published, pad } } as object as LogMessage);
      // The reader keeps up before the next batch: its buffer never nears the bound.
      const until = Date.now() + 5000;
      while (reader.got.filter((m) => m.type === 'alert').length < published && Date.now() < until)
        await new Promise((r) => setTimeout(r, 2));
    }
    expect(server.hub.slowClientsDropped()).toBe(1);
    expect(server.hub.clientCount()).toBe(1);
    const last = published;
    for (let i = 0; i < 20; i++) server.hub.publish({ type: 'alert', alert: { n: ++published, pad } } as object as LogMessage);
    for (let i = 0; i < 500 && reader.got.filter((m) => m.type === 'alert').length < published; i++)
      await new Promise((r) => setTimeout(r, 5));
    const seqs = reader.got.filter((m) => m.type === 'alert').map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: published }, (_, i) => i + 1));
    expect(last).toBeGreaterThan(BOUND / pad.length);

    // The cut-off client resumes on a new connection and misses nothing.
    (stalled.ws as unknown as { _socket: Socket })._socket.resume();
    stalled.ws.terminate();
    const back = await open();
    back.ws.send(JSON.stringify({ type: 'resume', since: 0 }));
    for (let i = 0; i < 500 && back.got.filter((m) => m.type === 'alert').length < published; i++)
      await new Promise((r) => setTimeout(r, 5));
    expect(back.got.filter((m) => m.type === 'alert').map((m) => m.seq)).toEqual(seqs);
    reader.ws.close();
    back.ws.close();
  });
});
