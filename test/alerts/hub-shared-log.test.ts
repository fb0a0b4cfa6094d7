// Cluster mode's /ws: several hubs append to one alert log, and every hub's clients get every
// message, once, in seq order, whichever hub published it. Two real SQLite connections to one
// file stand for two nodes' connections to the shared store (both serialize writers, so commit
// order is seq order); the notice of a commit goes from hub to hub as NATS carries it between nodes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogMessage } from '../../model/index.js';
import { liveClient, startHubServer, type HubServer, type Received } from '../support/hub-server.js';

const alerts = (got: Received[]) => got.filter((m) => m.type === 'alert');
const until = async (cond: () => boolean) => {
  for (let i = 0; i < 300 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
};
const alert = (n: number) => ({ type: 'alert', n }) as object as LogMessage;

describe('hubs sharing one alert log', () => {
  const dir = mkdtempSync(join(tmpdir(), 'citysense-shared-log-'));
  let a: HubServer;
  let b: HubServer;
  /** Commit notices to B; switched off to stand for a lost NATS message. */
  let tellB = true;
  beforeAll(async () => {
    b = await startHubServer({ dataDir: dir, sharedLog: { committed: () => undefined } });
    a = await startHubServer({ dataDir: dir, sharedLog: { committed: () => tellB && setImmediate(() => b.hub.pump()) } });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends what one hub published to the clients of both, with one seq', async () => {
    const [onA, onB] = [await liveClient(a.url), await liveClient(b.url)];
    const seqs = [a.hub.publish(alert(1)), a.hub.publish(alert(2))];
    await until(() => alerts(onA.got).length === 2 && alerts(onB.got).length === 2);
    for (const c of [onA, onB])
      expect(alerts(c.got).map((m) => [m.n, m.seq])).toEqual([
        [1, seqs[0]],
        [2, seqs[1]],
      ]);
    onA.ws.close();
    onB.ws.close();
  });

  it('interleaves both hubs’ messages in seq order on every client, each once', async () => {
    const [onA, onB] = [await liveClient(a.url), await liveClient(b.url)];
    const seqs: number[] = [];
    for (let i = 0; i < 20; i++) seqs.push(i % 3 === 0 ? b.hub.publish(alert(100 + i)) : a.hub.publish(alert(100 + i)));
    b.hub.pump(); // B's own commits pump B; A hears of them only from a notice, which these tests do not send A
    a.hub.pump();
    await until(() => alerts(onA.got).length === 20 && alerts(onB.got).length === 20);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    for (const c of [onA, onB]) expect(alerts(c.got).map((m) => m.seq)).toEqual(seqs);
    onA.ws.close();
    onB.ws.close();
  });

  it('sends a transaction’s messages to the other hub only once committed, and a rolled-back one never', async () => {
    const onB = await liveClient(b.url);
    let seenDuring = -1;
    a.hub.deferSends(() =>
      a.store.writeTransaction(() => {
        a.hub.publish(alert(200));
        b.hub.pump(); // B cannot see an uncommitted row
        seenDuring = alerts(onB.got).length;
      }),
    );
    expect(() =>
      a.hub.deferSends(() =>
        a.store.writeTransaction(() => {
          a.hub.publish(alert(201));
          throw new Error('rolled back');
        }),
      ),
    ).toThrow(/rolled back/);
    await until(() => alerts(onB.got).length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(seenDuring).toBe(0);
    expect(alerts(onB.got).map((m) => m.n)).toEqual([200]);
    onB.ws.close();
  });

  it('catches up on the next pump when a commit notice was lost', async () => {
    const onB = await liveClient(b.url);
    tellB = false;
    const seq = a.hub.publish(alert(300));
    await new Promise((r) => setTimeout(r, 50));
    expect(alerts(onB.got)).toEqual([]);
    tellB = true;
    b.hub.pump(); // the node's periodic pump
    await until(() => alerts(onB.got).length === 1);
    expect(alerts(onB.got).map((m) => [m.n, m.seq])).toEqual([[300, seq]]);
    onB.ws.close();
  });
});
