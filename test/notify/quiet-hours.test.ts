// Quiet hours through the real service: an orange case waits for their end, a red one goes at once.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startTestService } from '../support/service.js';
import { floodReport, startReceiver } from './receiver.js';

describe('quiet hours', () => {
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  beforeAll(async () => {
    hook = await startReceiver({ secret: 'q' });
    // Quiet from a minute ago to two hours from now (UTC offset 0): now is inside, whatever the time of day.
    const local = new Date();
    const hhmm = (d: Date) => d.toISOString().slice(11, 16);
    const from = hhmm(new Date(local.getTime() - 60_000));
    const to = hhmm(new Date(local.getTime() + 2 * 3_600_000));
    svc = await startTestService({
      utcOffsetMinutes: 0,
      notify: {
        receivers: [{ name: 'hook', type: 'webhook', url: hook.url, secret: 'q', quietHours: { from, to } }],
        routes: [{ receiver: 'hook', events: ['opened'] }],
        pollInterval: '50ms',
      },
    });
  });
  afterAll(async () => {
    await svc?.stop();
    await hook?.close();
  });

  it('holds orange and sends red', async () => {
    const orange = (await api(svc.urls.http, '/api/incidents', { body: floodReport({ severity: 'orange' }) })).json.id as string;
    const red = (await api(svc.urls.http, '/api/incidents', { body: floodReport({ severity: 'red', grid: 'g-2' }) })).json.id as string;
    await eventually(() => hook.received.some((r) => r.json?.incident?.id === red));
    await new Promise((r) => setTimeout(r, 300));
    expect(hook.received.map((r) => r.json.incident.id)).toEqual([red]);
    const held = (await api(svc.urls.http, `/api/incidents/${orange}/notifications`)).json.notifications[0];
    expect(held).toMatchObject({ state: 'pending', attempts: 0 });
    expect(Date.parse(held.nextAttemptAt)).toBeGreaterThan(Date.now() + 3_600_000);
  });
});
