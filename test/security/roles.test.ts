// People's access: every endpoint and WebSocket action × every role, table-driven;
// department-scoped responders; the authenticated actor on every event (audit).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, eventually, Operator, startTestService, TOKEN } from '../support/service.js';

const T = {
  viewer: 'viewer-token-0123456789',
  operator: 'operator-token-0123456789',
  admin: 'admin-token-0123456789',
  water: 'water-crew-token-0123456789',
} as const;
type Who = 'none' | 'viewer' | 'operator' | 'admin';
const RANK: Record<Who, number> = { none: -1, viewer: 0, operator: 1, admin: 2 };

describe('roles and department scope', () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let flood: string;
  let fire: string;
  const report = (category: string, token: string) =>
    api(svc.urls.http, '/api/incidents', {
      token,
      body: { category, title: `${category} at gate 3`, grid: 'G-1', source: 'patrol', by: 'patrol-1' },
    });

  beforeAll(async () => {
    svc = await startTestService({
      tokens: [
        { name: 'wall-screen', token: T.viewer, role: 'viewer' },
        { name: 'duty-officer', token: T.operator, role: 'operator' },
        { name: 'chief', token: T.admin, role: 'admin' },
        { name: 'water-crew', token: T.water, role: 'operator', department: 'water-affairs' },
      ],
    });
    flood = (await report('flood', T.admin)).json.id;
    fire = (await report('fire', T.admin)).json.id;
  });
  afterAll(() => svc.stop());

  // [method, path, body, least role]. Bodies are invalid where a valid one would change state
  // the other rows rely on: a 400 still proves the request got past authorisation.
  const matrix = (): Array<[string, string, unknown, Who]> => [
    ['GET', '/api/incidents', undefined, 'viewer'],
    ['GET', `/api/incidents/${flood}`, undefined, 'viewer'],
    ['GET', `/api/incidents/${flood}/review`, undefined, 'viewer'],
    ['GET', `/api/incidents/${flood}/cap`, undefined, 'viewer'],
    ['GET', '/api/cap', undefined, 'viewer'],
    ['GET', '/api/rules', undefined, 'viewer'],
    ['GET', '/api/rejected', undefined, 'viewer'],
    ['GET', '/api/departments', undefined, 'viewer'],
    ['GET', '/api/evaluation', undefined, 'viewer'],
    ['GET', '/api/silences', undefined, 'viewer'],
    ['GET', '/api/silences/nope', undefined, 'viewer'],
    ['POST', '/api/incidents', { category: 'flood' }, 'operator'],
    ['POST', `/api/incidents/${flood}/actions`, { action: 'nope', by: 'x' }, 'operator'],
    ['PUT', '/api/rules', { rules: 'not a list' }, 'admin'],
    ['POST', '/api/silences', {}, 'admin'],
    ['DELETE', '/api/silences/nope', undefined, 'admin'],
  ];
  const whos: Who[] = ['none', 'viewer', 'operator', 'admin'];

  it('answers 401 without a token, 403 below the least role, and passes authorisation at or above it', async () => {
    const table: string[] = [];
    for (const [method, path, body, least] of matrix()) {
      for (const who of whos) {
        const r = await api(svc.urls.http, path, { method, body, token: who === 'none' ? null : T[who] });
        const want = who === 'none' ? 401 : RANK[who] < RANK[least] ? 403 : 'allowed';
        const got = r.status === 401 || r.status === 403 ? r.status : 'allowed';
        table.push(`${method} ${path} as ${who}: ${got === want ? 'ok' : `got ${r.status}, want ${want}`}`);
      }
    }
    expect(table.filter((l) => !l.endsWith(': ok'))).toEqual([]);
    // The operator token of DESIGN.md is an admin.
    expect((await api(svc.urls.http, '/api/silences', { method: 'POST', body: {}, token: TOKEN })).status).toBe(400);
    // Public routes stay public.
    expect((await api(svc.urls.http, '/api/health', { token: null })).status).toBe(200);
    expect((await api(svc.urls.http, '/metrics', { token: null })).status).toBe(200);
  });

  it('lets only operators and admins ack over /ws', async () => {
    const results: Record<string, unknown> = {};
    for (const who of ['viewer', 'operator'] as const) {
      const op = await Operator.connect(svc.urls.ws, T[who]);
      const id = (await report('gas', T.admin)).json.id;
      op.send({ type: 'ack', incidentId: id, by: `${who}-person` });
      results[who] = await op.next((m) => m.type === 'ack');
      op.close();
    }
    expect(results.viewer).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(results.operator).toMatchObject({ ok: true });
  });

  it('shows a department-scoped responder only its department’s incidents, and lets it act only on those', async () => {
    const list = await api(svc.urls.http, '/api/incidents?limit=1000', { token: T.water });
    expect(list.json.incidents.length).toBeGreaterThan(0);
    expect(list.json.incidents.every((i: { department: string }) => i.department === 'water-affairs')).toBe(true);
    expect(list.json.incidents.map((i: { id: string }) => i.id)).toContain(flood);

    // Another department's incident reads as unknown: 404, not 403, so ids do not leak.
    for (const path of [`/api/incidents/${fire}`, `/api/incidents/${fire}/review`, `/api/incidents/${fire}/cap`]) {
      expect((await api(svc.urls.http, path, { token: T.water })).status).toBe(404);
    }
    const act = (id: string, body: object) => api(svc.urls.http, `/api/incidents/${id}/actions`, { token: T.water, body });
    expect((await act(fire, { action: 'acknowledge', by: 'crew-wang' })).status).toBe(404);
    expect((await api(svc.urls.http, `/api/incidents/${fire}`, { token: T.admin })).json.state).toBe('warning');

    expect((await act(flood, { action: 'acknowledge', by: 'crew-wang' })).status).toBe(200);
    // It may not hand its case to another department.
    expect((await act(flood, { action: 'dispatch', by: 'crew-wang', department: 'fire-rescue' })).status).toBe(403);
    expect((await act(flood, { action: 'dispatch', by: 'crew-wang' })).status).toBe(200);
  });

  it('records the authenticated principal beside `by` on every event (audit)', async () => {
    const id = (await report('flood', T.operator)).json.id;
    await api(svc.urls.http, `/api/incidents/${id}/actions`, { token: T.water, body: { action: 'acknowledge', by: 'someone-else' } });
    const timeline = (await api(svc.urls.http, `/api/incidents/${id}`, { token: T.admin })).json.timeline;
    expect(timeline.map((e: { type: string; actor: string; data?: object }) => [e.type, e.actor, e.data])).toEqual([
      ['opened', 'patrol-1', expect.objectContaining({ principal: 'duty-officer', role: 'operator' })],
      ['acknowledged', 'someone-else', expect.objectContaining({ principal: 'water-crew', role: 'operator' })],
    ]);
  });

  it('streams a scoped responder only its department, live and on resume, and refuses its ack elsewhere', async () => {
    const water = await Operator.connect(svc.urls.ws, T.water);
    water.send({ type: 'resume', since: 0 });
    const all = await Operator.connect(svc.urls.ws, T.viewer);
    all.send({ type: 'resume', since: 0 });
    const fireId = (await report('fire', T.admin)).json.id;
    const floodId = (await report('flood', T.admin)).json.id;
    await all.next((m) => m.type === 'incident' && (m.incident as { id: string }).id === floodId);
    await water.next((m) => m.type === 'incident' && (m.incident as { id: string }).id === floodId);
    const departments = (o: Operator) =>
      new Set(o.messages.filter((m) => m.type === 'incident').map((m) => (m.incident as { department: string }).department));
    expect([...departments(water)]).toEqual(['water-affairs']);
    expect(departments(all).size).toBeGreaterThan(1);
    water.send({ type: 'ack', incidentId: fireId, by: 'crew-wang' });
    expect(await water.next((m) => m.type === 'ack')).toMatchObject({ ok: false, error: { code: 'not_found' } });
    await eventually(async () => (await api(svc.urls.http, `/api/incidents/${fireId}`, { token: T.admin })).json.state === 'warning');
    water.close();
    all.close();
  });
});
