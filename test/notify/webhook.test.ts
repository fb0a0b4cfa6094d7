// A webhook receiver that fails once: the service retries from its outbox, the receiver checks
// each signature, and the case's delivery log records one delivery after two attempts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startTestService } from '../support/service.js';
import { floodReport, startReceiver } from './receiver.js';

describe('webhook receiver', () => {
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  beforeAll(async () => {
    hook = await startReceiver({ secret: 'hook-secret', statuses: [500] });
    process.env.TEST_HOOK_SECRET = 'hook-secret';
    svc = await startTestService({
      notify: {
        receivers: [{ name: 'water-duty', type: 'webhook', url: hook.url, secret: '${TEST_HOOK_SECRET}' }],
        routes: [{ match: { department: 'water-affairs' }, receiver: 'water-duty', events: ['opened'] }],
        retry: { initialDelay: '100ms', maxDelay: '1s', timeout: '2s' },
        pollInterval: '50ms',
      },
    });
  });
  afterAll(async () => {
    await svc?.stop();
    await hook?.close();
  });

  it('retries a 500, then records one delivery of a correctly signed body', async () => {
    const base = svc.urls.http;
    const created = await api(base, '/api/incidents', { body: floodReport() });
    expect(created.status).toBe(201);
    const id = created.json.id as string;

    await eventually(() => hook.received.some((r) => r.status === 200));
    expect(hook.received.map((r) => r.status)).toEqual([500, 200]);
    for (const r of hook.received) {
      expect(r.signatureOk).toBe(true);
      expect(r.json).toMatchObject({ version: 1, event: 'opened', incident: { id, department: 'water-affairs' } });
      expect(r.json.links.ack).toMatch(new RegExp(`^${base}/a/`));
    }
    // Both attempts are one delivery: the receiver can drop a repeat by this id.
    expect(hook.received[0]!.headers['x-citysense-delivery']).toBe(hook.received[1]!.headers['x-citysense-delivery']);

    const log = await eventually(async () => {
      const r = await api(base, `/api/incidents/${id}/notifications`);
      return r.json?.notifications?.[0]?.state === 'delivered' ? r : undefined;
    });
    expect(log.json.notifications).toHaveLength(1);
    expect(log.json.notifications[0]).toMatchObject({ event: 'opened', receiver: 'water-duty', state: 'delivered', attempts: 2 });
    expect(log.json.notifications[0].lastError).toBeUndefined();

    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('citysense_notifications_total{receiver="water-duty",outcome="retry"} 1');
    expect(metrics).toContain('citysense_notifications_total{receiver="water-duty",outcome="delivered"} 1');
    // Nothing more arrives (one event, one route): wait out a few polls and count again.
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.received).toHaveLength(2);
  });

  it('refuses the delivery log of an unknown case, and a malformed id naming it', async () => {
    const base = svc.urls.http;
    expect((await api(base, '/api/incidents/INC-NOPE/notifications')).status).toBe(404);
    const bad = await api(base, `/api/incidents/${encodeURIComponent('a b')}/notifications`);
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues[0].path).toBe('id');
  });
});
