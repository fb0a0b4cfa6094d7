// `resume` on /ws is taken once per connection: a second one is refused with an error message
// and the stream goes on, so no seq is ever sent twice on one connection (real service, ws client).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Operator, api, startTestService } from '../support/service.js';

let svc: Awaited<ReturnType<typeof startTestService>>;
beforeAll(async () => {
  svc = await startTestService();
});
afterAll(() => svc?.stop());

const report = (n: number) =>
  api(svc.urls.http, '/api/incidents', {
    body: { category: 'flood', title: `water at gate ${n}`, grid: `G-${n}`, source: 'patrol', by: 'patrol-1' },
  });

describe('/ws resume', () => {
  it('refuses a second resume with an error, and sends every seq at most once', async () => {
    for (let n = 0; n < 30; n++) expect((await report(n)).status).toBe(201);
    const op = await Operator.connect(svc.urls.ws);
    const hello = op.messages[0]!.seq!;
    expect(hello).toBeGreaterThanOrEqual(30);
    op.send({ type: 'resume', since: 0 });
    op.send({ type: 'resume', since: 0 });
    const refused = await op.next((m) => m.type === 'error');
    expect(refused).toMatchObject({
      type: 'error',
      error: { code: 'already_resumed', message: expect.stringMatching(/once per connection/) },
    });
    expect(refused.seq).toBeUndefined();
    await op.next((m) => m.type !== 'hello' && m.seq === hello);
    // …and it goes on live.
    expect((await report(99)).status).toBe(201);
    const live = await op.next((m) => m.type === 'incident' && (m.incident as { title: string }).title === 'water at gate 99');
    const seqs = op.messages.filter((m) => m.type !== 'hello' && m.seq !== undefined).map((m) => m.seq!);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(seqs.slice(0, hello)).toEqual(Array.from({ length: hello }, (_, i) => i + 1));
    expect(seqs.at(-1)).toBe(live.seq);
    op.close();
  });

  it('still takes one resume per connection: a new connection may resume again', async () => {
    const op = await Operator.connect(svc.urls.ws);
    op.send({ type: 'resume', since: 5 });
    await op.next((m) => m.type !== 'hello' && m.seq === 6);
    expect(op.messages.some((m) => m.type === 'error')).toBe(false);
    op.close();
  });
});
