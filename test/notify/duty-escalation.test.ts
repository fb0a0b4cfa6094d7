// Duty rosters through the real service: nobody acknowledges → the deputy, the head and the
// coordination office's on-duty person are told at the configured delays; an acknowledgement
// through the signed link stops it, and the timeline names the person.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, startTestService } from '../support/service.js';
import { floodReport, startReceiver } from './receiver.js';

const DEPUTY_MS = 600;
const HEAD_MS = 1200;
const OFFICE_MS = 1800;

describe('duty escalation', () => {
  let hook: Awaited<ReturnType<typeof startReceiver>>;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  const person = (name: string) => ({ name, type: 'webhook' as const, url: `${hook.url}/${name}`, secret: 'duty-secret' });
  beforeAll(async () => {
    hook = await startReceiver({ secret: 'duty-secret' });
    svc = await startTestService({
      notify: {
        receivers: ['zhang', 'wang', 'liu', 'zhao'].map(person),
        rosters: [
          {
            department: 'water-affairs',
            people: [
              { name: 'zhang', receivers: ['zhang'] },
              { name: 'wang', receivers: ['wang'] },
              { name: 'liu', receivers: ['liu'] },
            ],
            shifts: [{ from: '00:00', to: '00:00', person: 'zhang' }],
            deputy: 'wang',
            head: 'liu',
            escalation: { deputyAfter: `${DEPUTY_MS}ms`, headAfter: `${HEAD_MS}ms`, officeAfter: `${OFFICE_MS}ms`, remindEvery: '1h' },
          },
          {
            department: 'city-operations-center',
            people: [{ name: 'zhao', receivers: ['zhao'] }],
            shifts: [{ from: '00:00', to: '00:00', person: 'zhao' }],
            deputy: 'zhao',
            head: 'zhao',
          },
        ],
        pollInterval: '50ms',
      },
    });
  });
  afterAll(async () => {
    await svc?.stop();
    await hook?.close();
  });

  const toldAbout = (id: string) => hook.received.filter((r) => r.json?.incident?.id === id);
  const at = (id: string, who: string) => toldAbout(id).find((r) => r.path === `/hook/${who}`);

  it('climbs on-duty → deputy → head → office while nobody acknowledges', async () => {
    const t0 = Date.now();
    const created = await api(svc.urls.http, '/api/incidents', { body: floodReport() });
    const id = created.json.id as string;
    await eventually(() => at(id, 'zhao'), 8000);
    const order = toldAbout(id).map((r) => r.path);
    expect(order).toEqual(['/hook/zhang', '/hook/wang', '/hook/liu', '/hook/zhao']);
    expect(toldAbout(id).map((r) => r.json.event)).toEqual(['opened', 'escalated', 'escalated', 'escalated']);
    expect(toldAbout(id).every((r) => r.signatureOk)).toBe(true);
    // Never before its delay (counted from the report; the tick adds up to 200 ms late).
    expect(Date.now() - t0).toBeGreaterThanOrEqual(OFFICE_MS);
    const log = (await api(svc.urls.http, `/api/incidents/${id}/notifications`)).json.notifications as Array<{
      person: string;
      step: string;
      createdAt: string;
    }>;
    const openedAt = created.json.createdAt as number;
    const stepAt = (step: string) => Date.parse(log.find((n) => n.step === step)!.createdAt) - openedAt;
    expect(stepAt('deputy')).toBeGreaterThanOrEqual(DEPUTY_MS);
    expect(stepAt('head')).toBeGreaterThanOrEqual(HEAD_MS);
    expect(stepAt('office')).toBeGreaterThanOrEqual(OFFICE_MS);
    expect(stepAt('deputy')).toBeLessThan(HEAD_MS);
    expect(log.map((n) => `${n.person}:${n.step}`)).toEqual(['zhang:on-duty', 'wang:deputy', 'liu:head', 'zhao:office']);
  });

  it('stops when the on-duty person acknowledges through the link, and the timeline names them', async () => {
    const created = await api(svc.urls.http, '/api/incidents', { body: floodReport({ title: 'second case' }) });
    const id = created.json.id as string;
    const first = await eventually(() => at(id, 'zhang'));
    const link = first.json.links.ack as string;
    expect(link).toMatch(/\/a\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);

    const res = await fetch(link);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/html');
    expect(await res.text()).toContain('acknowledged by zhang');
    const again = await fetch(link);
    expect(again.status).toBe(409);

    const inc = (await api(svc.urls.http, `/api/incidents/${id}`)).json;
    expect(inc.state).toBe('acknowledged');
    const ack = inc.timeline.find((e: { type: string }) => e.type === 'acknowledged');
    expect(ack).toMatchObject({ actor: 'zhang', data: { principal: 'link:zhang' } });

    // Past the deputy's delay (and a few ticks): nobody else heard of this case.
    await new Promise((r) => setTimeout(r, DEPUTY_MS + 600));
    expect(toldAbout(id).map((r) => r.path)).toEqual(['/hook/zhang']);
  });

  it('answers a tampered or malformed link with a 4xx page, and changes nothing', async () => {
    const created = await api(svc.urls.http, '/api/incidents', { body: floodReport({ title: 'third case' }) });
    const id = created.json.id as string;
    const link = (await eventually(() => at(id, 'zhang'))).json.links.ack as string;
    const [data, sig] = link.slice(link.lastIndexOf('/') + 1).split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(data, 'base64url').toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, p: 'mallory' })).toString('base64url');
    const tampered = await fetch(`${svc.urls.http}/a/${forged}.${sig}`);
    expect(tampered.status).toBe(403);
    expect(await tampered.text()).toContain('signature');
    expect((await fetch(`${svc.urls.http}/a/not-a-token`)).status).toBe(400);
    expect((await api(svc.urls.http, `/api/incidents/${id}`)).json.state).toBe('warning');
  });

  it('answers who is on duty, and refuses an unknown department naming it', async () => {
    const r = await api(svc.urls.http, '/api/duty?department=water-affairs');
    expect(r.status).toBe(200);
    expect(r.json.duty[0]).toMatchObject({ department: 'water-affairs', onDuty: { name: 'zhang' }, deputy: 'wang', head: 'liu' });
    const unknown = await api(svc.urls.http, '/api/duty?department=nowhere');
    expect(unknown.status).toBe(404);
    expect(unknown.json.error.issues[0].path).toBe('department');
    const bad = await api(svc.urls.http, '/api/duty?at=yesterday');
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues[0].path).toBe('at');
    expect((await api(svc.urls.http, '/api/duty', { token: null })).status).toBe(401);
  });
});
