// The alert path's messages go out on /ws only once their store transaction has committed
// (hub.deferSends around store.writeTransaction); a rolled-back one is never sent.
import type { LogMessage } from '../../model/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { liveClient, startHubServer, type HubServer } from '../support/hub-server.js';

describe('messages of a store transaction on /ws', () => {
  let server: HubServer;
  beforeAll(async () => {
    server = await startHubServer();
  });
  afterAll(() => server.close());
  const live = () => liveClient(server.url);
  const until = async (cond: () => boolean) => {
    for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 10));
  };
  const alert = (n: number) => ({ type: 'alert', n }) as object as LogMessage;

  it('sends a committed transaction’s messages after the commit, in order', async () => {
    const c = await live();
    let sentDuring = -1;
    const seqs = server.hub.deferSends(() =>
      server.store.writeTransaction(() => {
        const s = [server.hub.publish(alert(1)), server.hub.publish(alert(2))];
        sentDuring = c.got.filter((m) => m.type === 'alert').length;
        return s;
      }),
    );
    await until(() => c.got.filter((m) => m.type === 'alert').length === 2);
    expect(sentDuring).toBe(0);
    expect(c.got.filter((m) => m.type === 'alert').map((m) => [m.n, m.seq])).toEqual([
      [1, seqs[0]],
      [2, seqs[1]],
    ]);
    c.ws.close();
  });

  it('never sends a rolled-back message, and the next one (which takes its seq again) still arrives', async () => {
    const c = await live();
    let rolledBackSeq = 0;
    expect(() =>
      server.hub.deferSends(() =>
        server.store.writeTransaction(() => {
          rolledBackSeq = server.hub.publish(alert(3));
          throw new Error('incident write failed');
        }),
      ),
    ).toThrow(/incident write failed/);
    expect(server.store.alertLog.since(rolledBackSeq - 1, 10)).toEqual([]); // not stored
    const next = server.hub.publish(alert(4));
    expect(next).toBe(rolledBackSeq);
    await until(() => c.got.some((m) => m.n === 4));
    expect(c.got.filter((m) => m.type === 'alert').map((m) => [m.n, m.seq])).toEqual([[4, next]]);
    c.ws.close();
  });
});
