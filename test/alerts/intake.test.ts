// 12345 / citizen intake over HTTP on the real service: the reporter role may only report, five
// calls about one pothole are one case with five reports, and a token past its rate gets 429.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { api, startTestService } from '../support/service.js';

const HOTLINE = 'hotline-12345-token-0123456789';
const APP = 'citizen-app-token-0123456789';
const HERE = { lat: 31.2304, lon: 121.4737 };
// About 111 m per 0.001° of latitude.
const north = (m: number) => ({ lat: HERE.lat + m / 111_195, lon: HERE.lon });

let svc: Awaited<ReturnType<typeof startTestService>>;
beforeAll(async () => {
  svc = await startTestService({
    tokens: [
      { name: 'hotline-12345', token: HOTLINE, role: 'reporter' },
      { name: 'citizen-app', token: APP, role: 'reporter' },
    ],
    // One report a minute refills nothing within the test: the burst is all a token gets.
    intake: { mergeRadiusM: 200, reportsPerMinute: 1, burst: 10 },
  });
});
afterAll(() => svc?.stop());

const report = (token: string, over: Record<string, unknown> = {}) =>
  api(svc.urls.http, '/api/incidents', {
    token,
    body: { category: 'road', title: '路面坑洞 pothole', loc: HERE, source: 'hotline_12345', by: 'caller', ...over },
  });

describe('reporter tokens (12345 hotline, citizen app)', () => {
  let first: string;

  it('may POST /api/incidents (201) and nothing else (403), not even /ws', async () => {
    const r = await report(HOTLINE, { loc: north(-5000), by: 'caller-0' });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ state: 'warning', category: 'road', reportCount: 1, merged: false });
    expect(r.json.timeline).toBeUndefined(); // a receipt, not the case file
    first = r.json.id;
    const bad = await report(HOTLINE, { title: '' });
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues[0].path).toBe('title');

    const refused: Array<[string, string, unknown]> = [
      ['GET', '/api/incidents', undefined],
      ['GET', `/api/incidents/${first}`, undefined],
      ['POST', `/api/incidents/${first}/actions`, { action: 'acknowledge', by: 'caller-0' }],
      ['GET', '/api/silences', undefined],
      ['POST', '/api/silences', {}],
      ['GET', '/api/rules', undefined],
    ];
    for (const [method, path, body] of refused) {
      expect([method, path, (await api(svc.urls.http, path, { method, body, token: HOTLINE })).status]).toEqual([method, path, 403]);
    }
    const status = await new Promise<number>((resolve, reject) => {
      const ws = new WebSocket(`${svc.urls.ws}?token=${HOTLINE}`);
      ws.once('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
      ws.once('open', () => (ws.close(), reject(new Error('a reporter token opened /ws'))));
      ws.once('error', reject);
    });
    expect(status).toBe(403);
    // The action was refused: the case is untouched.
    expect((await api(svc.urls.http, `/api/incidents/${first}`)).json.state).toBe('warning');
  });

  it('five reports of one pothole nearby are one incident with five reports', async () => {
    const answers = [];
    for (const [i, m] of [0, 40, 80, 120, 160].entries())
      answers.push(await report(HOTLINE, { loc: north(m), by: `caller-${i + 1}`, description: `call ${i + 1}` }));
    expect(answers.map((a) => a.status)).toEqual([201, 200, 200, 200, 200]);
    expect(answers.map((a) => a.json.merged)).toEqual([false, true, true, true, true]);
    const id = answers[0]!.json.id as string;
    expect(new Set(answers.map((a) => a.json.id))).toEqual(new Set([id]));
    expect(answers[4]!.json.reportCount).toBe(5);

    const full = (await api(svc.urls.http, `/api/incidents/${id}`)).json;
    expect(full.reportCount).toBe(5);
    expect(full.reports.map((r: { by: string }) => r.by)).toEqual(['caller-1', 'caller-2', 'caller-3', 'caller-4', 'caller-5']);
    const types = full.timeline.map((e: { type: string }) => e.type);
    expect(types).toEqual(['opened', 'report', 'report', 'report', 'report']);
    expect(full.timeline[4]).toMatchObject({
      actor: 'caller-5',
      note: 'call 5',
      data: { principal: 'hotline-12345', role: 'reporter', reportCount: 5 },
    });
    const road = (await api(svc.urls.http, '/api/incidents?category=road')).json.incidents as Array<{ id: string }>;
    expect(road.map((i) => i.id).sort()).toEqual([first, id].sort());
  });

  it('a report far away or of another category opens a new incident', async () => {
    const far = await report(HOTLINE, { loc: north(400) });
    expect(far.status).toBe(201);
    const other = await report(HOTLINE, { category: 'lighting', title: '路灯不亮 street light out' });
    expect(other.status).toBe(201);
    expect(new Set([far.json.id, other.json.id]).size).toBe(2);
  });

  it('an operator report keeps opening its own case, with the full incident as before', async () => {
    const r = await api(svc.urls.http, '/api/incidents', {
      body: { category: 'road', title: 'pothole (patrol)', loc: HERE, source: 'patrol', by: 'patrol-1' },
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ merged: false, reportCount: 1, timeline: [{ type: 'opened' }] });
  });

  it('answers 429 with Retry-After once a token is past its rate; another token is unaffected', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) statuses.push((await report(APP, { by: `app-user-${i}` })).status);
    expect(statuses.every((s) => s === 200 || s === 201)).toBe(true);
    const over = await report(APP, { by: 'app-user-10' });
    expect(over.status).toBe(429);
    expect(over.json.error.code).toBe('too_many_reports');
    expect(Number(over.headers.get('retry-after'))).toBe(60);
    // The hotline made 9 reports above (the 400 counts: a looping client is paced, valid or not): one left.
    expect((await report(HOTLINE)).status).toBe(200);
    expect((await report(HOTLINE)).status).toBe(429);
    // Operators are not paced by the reporter rate.
    expect(
      (await api(svc.urls.http, '/api/incidents', { body: { category: 'road', title: 'x', grid: 'G-9', source: 'patrol', by: 'p' } }))
        .status,
    ).toBe(201);
  });
});
