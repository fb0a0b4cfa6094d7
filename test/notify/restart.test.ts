// A notification pending while its receiver is down survives a restart of the service and is
// delivered once the receiver is up: exactly one request reaches it, and the log says delivered.
import { afterEach, describe, expect, it } from 'vitest';
import { api, eventually, startTestService } from '../support/service.js';
import { floodReport, freePort, startReceiver } from './receiver.js';

describe('outbox across a restart', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('delivers a notification queued before the restart once, after it', async () => {
    const port = await freePort();
    const notify = {
      receivers: [{ name: 'water-duty', type: 'webhook' as const, url: `http://127.0.0.1:${port}/hook`, secret: 'restart-secret' }],
      routes: [{ match: { department: 'water-affairs' }, receiver: 'water-duty', events: ['opened' as const] }],
      retry: { attempts: 50, initialDelay: '100ms', maxDelay: '200ms', timeout: '1s' },
      pollInterval: '50ms',
    };
    const first = await startTestService({ notify });
    const dataDir = first.dataDir;
    let stopped = false;
    cleanups.push(async () => {
      if (!stopped) await first.stop();
    });
    const created = await api(first.urls.http, '/api/incidents', { body: floodReport() });
    const id = created.json.id as string;
    // Nobody listens on the port yet: the attempts fail and the row stays pending.
    const pending = await eventually(async () => {
      const r = await api(first.urls.http, `/api/incidents/${id}/notifications`);
      const n = r.json?.notifications?.[0];
      return n && n.state === 'pending' && n.attempts >= 1 ? n : undefined;
    });
    expect(pending.lastError).toBeTruthy();
    await first.stop();
    stopped = true;

    const hook = await startReceiver({ port, secret: 'restart-secret' });
    cleanups.push(() => hook.close());
    const second = await startTestService({ notify, dataDir });
    cleanups.push(() => second.stop());
    await eventually(() => hook.received.length > 0);
    const log = await eventually(async () => {
      const r = await api(second.urls.http, `/api/incidents/${id}/notifications`);
      return r.json?.notifications?.[0]?.state === 'delivered' ? r.json.notifications : undefined;
    });
    expect(log).toHaveLength(1);
    // Wait out several polls: no second delivery of the same row.
    await new Promise((r) => setTimeout(r, 400));
    expect(hook.received).toHaveLength(1);
    expect(hook.received[0]!.signatureOk).toBe(true);
    expect(hook.received[0]!.json.incident.id).toBe(id);
  });
});
