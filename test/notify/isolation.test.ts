// A receiver that never answers does not slow the alert path or the shutdown; a storm within a
// route's group interval reaches the receiver as one message with a count; a secret that cannot
// be resolved stops start-up naming its field; an expired acknowledge link is refused.
import { createServer, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startTestService } from '../support/service.js';
import { floodReport, startReceiver } from './receiver.js';

describe('notifications off the alert path', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('keeps reports fast and the stop prompt while the receiver hangs', async () => {
    const hanging: ServerResponse[] = [];
    const server = createServer((_req, res) => void hanging.push(res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const port = (server.address() as { port: number }).port;
    const svc = await startTestService({
      notify: {
        receivers: [{ name: 'slow', type: 'webhook', url: `http://127.0.0.1:${port}/`, secret: 's' }],
        routes: [{ receiver: 'slow', events: ['opened'] }],
        retry: { timeout: '30s' },
        pollInterval: '50ms',
      },
    });
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await svc.stop();
    });
    const started = performance.now();
    for (let i = 0; i < 5; i++)
      expect((await api(svc.urls.http, '/api/incidents', { body: floodReport({ title: `case ${i}` }) })).status).toBe(201);
    expect(performance.now() - started).toBeLessThan(2000);
    await eventually(() => hanging.length >= 5);
    const stopAt = performance.now();
    await svc.stop();
    stopped = true;
    // Well under the 30 s send timeout: the stop cuts the sends off.
    expect(performance.now() - stopAt).toBeLessThan(5000);
  });

  it('folds a storm into one message with a count', async () => {
    const hook = await startReceiver({ secret: 'storm' });
    cleanups.push(() => hook.close());
    const svc = await startTestService({
      notify: {
        receivers: [{ name: 'hook', type: 'webhook', url: hook.url, secret: 'storm' }],
        routes: [{ receiver: 'hook', events: ['opened'], groupInterval: '1s' }],
        pollInterval: '50ms',
      },
    });
    cleanups.push(() => svc.stop());
    const ids: string[] = [];
    for (let i = 0; i < 4; i++)
      ids.push((await api(svc.urls.http, '/api/incidents', { body: floodReport({ title: `storm ${i}`, grid: `g-${i}` }) })).json.id);
    await eventually(() => hook.received.length >= 2, 5000);
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.received).toHaveLength(2);
    expect(hook.received[0]!.json.incident.id).toBe(ids[0]);
    expect(hook.received[0]!.json.count).toBeUndefined();
    expect(hook.received[1]!.json.count).toBe(3);
    expect(hook.received[1]!.json.grouped.map((g: { incidentId: string }) => g.incidentId)).toEqual(ids.slice(1));
    const log = (await api(svc.urls.http, `/api/incidents/${ids[2]}/notifications`)).json.notifications;
    expect(log[0]).toMatchObject({ state: 'delivered' });
    expect(log[0].sentWith).toBeTypeOf('number');
  });

  it('refuses to start when a secret reference cannot be resolved, naming the field', async () => {
    delete process.env.CITYSENSE_TEST_NO_SUCH_SECRET;
    await expect(
      startTestService({
        notify: { receivers: [{ name: 'x', type: 'webhook', url: 'http://127.0.0.1:9/', secret: '${CITYSENSE_TEST_NO_SUCH_SECRET}' }] },
      }),
    ).rejects.toThrow(/notify\.receivers\.0\.secret: environment variable CITYSENSE_TEST_NO_SUCH_SECRET is not set/);
  });

  it('answers an expired acknowledge link with 410 and leaves the case unacknowledged', async () => {
    const hook = await startReceiver({ secret: 'ttl' });
    cleanups.push(() => hook.close());
    const svc = await startTestService({
      notify: {
        receivers: [{ name: 'hook', type: 'webhook', url: hook.url, secret: 'ttl' }],
        routes: [{ receiver: 'hook', events: ['opened'] }],
        linkTtl: '1ms',
        pollInterval: '50ms',
      },
    });
    cleanups.push(() => svc.stop());
    const id = (await api(svc.urls.http, '/api/incidents', { body: floodReport() })).json.id as string;
    const msg = await eventually(() => hook.received.find((r) => r.json?.incident?.id === id));
    const res = await fetch(msg.json.links.ack);
    expect(res.status).toBe(410);
    expect(await res.text()).toContain('expired');
    expect((await api(svc.urls.http, `/api/incidents/${id}`)).json.state).toBe('warning');
  });
});
