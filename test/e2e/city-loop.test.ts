// The loop as a city runs it, over real HTTP and /ws with per-person tokens: the department
// reports arrival itself (报到), a wrongly routed case is transferred, verification is by another
// principal (reject = 返工), a false alarm can be found on site, and the coordination office (一办)
// sees what was escalated to it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WsMessage, Operator, api, startTestService, tempFile } from '../support/service.js';

const ROUTING = {
  default: { department: 'city-operations-center' },
  routes: [
    // Orange flood cases must have someone on site within 2 s: the test waits for that to lapse.
    { category: 'flood', department: 'water-affairs', deadlines: { orange: { acknowledge: '1h', arrive: '2s', resolve: '2h' } } },
    { category: 'fire', department: 'fire-rescue' },
  ],
  departments: ['drainage-team-3'],
  escalation: { interval: '300ms', maxReminders: 1 },
};
const T = {
  duty: 'duty-officer-token-0123456789',
  inspector: 'inspector-token-0123456789',
  water: 'water-crew-token-0123456789',
  drainage: 'drainage-crew-token-0123456789',
  office: 'office-token-0123456789',
  chief: 'chief-token-0123456789',
} as const;

type Svc = Awaited<ReturnType<typeof startTestService>>;
let svc: Svc;
let office: Operator;

beforeAll(async () => {
  svc = await startTestService({
    routing: tempFile('routing.json', ROUTING),
    tokens: [
      { name: 'duty-officer', token: T.duty, role: 'operator' },
      { name: 'inspector', token: T.inspector, role: 'operator' },
      { name: 'water-crew', token: T.water, role: 'operator', department: 'water-affairs' },
      { name: 'drainage-crew', token: T.drainage, role: 'operator', department: 'drainage-team-3' },
      { name: 'office', token: T.office, role: 'operator', department: 'city-operations-center' },
      { name: 'chief', token: T.chief, role: 'admin' },
    ],
  });
  // The office watches the stream from the start: it must get escalated cases live.
  office = await Operator.connect(svc.urls.ws, T.office);
});
afterAll(async () => {
  office?.close();
  await svc?.stop();
});

const report = async (category: string, severity = 'yellow') =>
  (
    await api(svc.urls.http, '/api/incidents', {
      token: T.duty,
      body: { category, severity, title: `${category} at gate 3`, grid: 'G-1-1', source: 'patrol', by: 'patrol-1' },
    })
  ).json.id as string;
const act = (id: string, token: string, body: object) => api(svc.urls.http, `/api/incidents/${id}/actions`, { token, body });
const get = async (id: string, token: string = T.chief) => api(svc.urls.http, `/api/incidents/${id}`, { token });
const lastEvent = async (id: string) => (await get(id)).json.timeline.at(-1);
/** A refused action: its status, its code, and the incident exactly as before. */
async function refused(id: string, token: string, body: object, status: number, code: string, field?: string) {
  const before = (await get(id)).json;
  const r = await act(id, token, body);
  expect([r.status, r.json.error?.code], JSON.stringify(r.json)).toEqual([status, code]);
  if (field) expect(r.json.error.issues.map((i: { path: string }) => i.path)).toContain(field);
  expect((await get(id)).json).toEqual(before);
}

describe('the loop as a city runs it', () => {
  it('takes 报到 only from the dispatched department, once per dispatch, with an optional location', async () => {
    const id = await report('flood');
    await refused(id, T.water, { action: 'arrive', by: 'crew-li' }, 409, 'invalid_transition'); // not dispatched yet
    expect((await act(id, T.duty, { action: 'acknowledge', by: 'op-zhang' })).status).toBe(200);
    expect((await act(id, T.duty, { action: 'dispatch', by: 'op-zhang' })).json.state).toBe('dispatched');
    // Neither the operator who dispatched nor another department can arrive for water-affairs.
    await refused(id, T.duty, { action: 'arrive', by: 'crew-li' }, 403, 'forbidden');
    await refused(id, T.drainage, { action: 'arrive', by: 'crew-li' }, 404, 'not_found');
    await refused(id, T.water, { action: 'arrive', by: 'crew-li', loc: { lat: 200, lon: 121.47 } }, 400, 'bad_request', 'loc.lat');
    await refused(id, T.water, { action: 'feedback', by: 'crew-li', loc: { lat: 31.23, lon: 121.47 } }, 400, 'bad_request', 'loc');

    const arrived = await act(id, T.water, { action: 'arrive', by: 'crew-li', loc: { lat: 31.2304, lon: 121.4737 } });
    expect(arrived.status).toBe(200);
    expect(arrived.json).toMatchObject({ state: 'dispatched', department: 'water-affairs' });
    expect(arrived.json.arrivedAt).toBeGreaterThanOrEqual(arrived.json.dispatchedAt);
    expect(arrived.json.timeline.at(-1)).toMatchObject({
      type: 'arrived',
      actor: 'crew-li',
      from: 'dispatched',
      to: 'dispatched',
      data: { loc: { lat: 31.2304, lon: 121.4737 }, department: 'water-affairs', principal: 'water-crew' },
    });
    await refused(id, T.water, { action: 'arrive', by: 'crew-li' }, 409, 'already_arrived');
    // An admin may record an arrival reported by phone: here, for a fresh dispatch.
    const other = await report('flood');
    await act(other, T.duty, { action: 'acknowledge', by: 'op-zhang' });
    await act(other, T.duty, { action: 'dispatch', by: 'op-zhang' });
    expect((await act(other, T.chief, { action: 'arrive', by: 'chief-wu' })).status).toBe(200);
  });

  it('transfers a wrongly routed case: new department, new clock, arrival reset; only to departments of the table', async () => {
    const id = await report('flood');
    expect((await act(id, T.duty, { action: 'acknowledge', by: 'op-zhang' })).status).toBe(200);
    await refused(
      id,
      T.duty,
      { action: 'dispatch', by: 'op-zhang', department: 'drainage-team-9' },
      400,
      'unknown_department',
      'department',
    );
    await refused(
      id,
      T.duty,
      { action: 'transfer', by: 'op-zhang', department: 'drainage-team-3', note: 'wrong team' },
      409,
      'invalid_transition',
    );
    expect((await act(id, T.duty, { action: 'dispatch', by: 'op-zhang' })).status).toBe(200);
    expect((await act(id, T.water, { action: 'arrive', by: 'crew-li' })).status).toBe(200);

    await refused(id, T.duty, { action: 'transfer', by: 'op-zhang', department: 'drainage-team-3' }, 400, 'bad_request', 'note');
    await refused(id, T.duty, { action: 'transfer', by: 'op-zhang', note: 'wrong team' }, 400, 'bad_request', 'department');
    await refused(
      id,
      T.duty,
      { action: 'transfer', by: 'op-zhang', department: 'drainage-team-9', note: 'wrong team' },
      400,
      'unknown_department',
      'department',
    );
    await refused(
      id,
      T.duty,
      { action: 'transfer', by: 'op-zhang', department: 'water-affairs', note: 'same' },
      400,
      'same_department',
      'department',
    );
    // A department cannot push its work onto another one.
    await refused(id, T.water, { action: 'transfer', by: 'crew-li', department: 'drainage-team-3', note: 'not ours' }, 403, 'forbidden');

    const before = (await get(id)).json;
    const moved = await act(id, T.duty, {
      action: 'transfer',
      by: 'op-zhang',
      department: 'drainage-team-3',
      note: 'blocked drain, not a main',
    });
    expect(moved.status).toBe(200);
    expect(moved.json).toMatchObject({ state: 'dispatched', department: 'drainage-team-3', transfers: 1 });
    expect(moved.json.arrivedAt).toBeUndefined();
    // The new department's clock: yellow, no route of its own → the city standard (arrive 2 h) from now.
    expect(moved.json.deadlines.arriveBy).toBe(moved.json.dispatchedAt + 2 * 3_600_000);
    expect(moved.json.deadlines.acknowledgeBy).toBe(before.deadlines.acknowledgeBy);
    expect(moved.json.timeline.at(-1)).toMatchObject({
      type: 'transferred',
      note: 'blocked drain, not a main',
      data: { from: 'water-affairs', to: 'drainage-team-3', principal: 'duty-officer' },
    });
    // The case left water-affairs' scope and entered drainage-team-3's.
    expect((await get(id, T.water)).status).toBe(404);
    expect((await get(id, T.drainage)).status).toBe(200);
    const drainageList = (await api(svc.urls.http, '/api/incidents', { token: T.drainage })).json.incidents.map(
      (i: { id: string }) => i.id,
    );
    expect(drainageList).toEqual([id]);
    expect((await act(id, T.drainage, { action: 'arrive', by: 'crew-zhou' })).status).toBe(200);
  });

  it('verifies by another principal: same_actor whatever `by` says; reject sends the work back as rework', async () => {
    const id = await report('flood');
    for (const body of [{ action: 'acknowledge' }, { action: 'dispatch', department: 'drainage-team-3' }])
      await act(id, T.duty, { by: 'op-zhang', ...body });
    await refused(id, T.inspector, { action: 'reject', by: 'inspector-zhao', note: 'not done' }, 409, 'invalid_transition');
    expect((await act(id, T.drainage, { action: 'feedback', by: 'crew-zhou', note: 'cleared' })).json.state).toBe('resolved');
    // The same token cannot verify its own work under another name, nor reject it.
    await refused(id, T.drainage, { action: 'close', by: 'inspector-zhao' }, 409, 'same_actor');
    await refused(id, T.drainage, { action: 'reject', by: 'inspector-zhao', note: 'redo' }, 409, 'same_actor');
    await refused(id, T.inspector, { action: 'reject', by: 'inspector-zhao' }, 400, 'bad_request', 'note');

    const back = await act(id, T.inspector, { action: 'reject', by: 'inspector-zhao', note: 'still 10 cm of water at the kerb' });
    expect(back.json).toMatchObject({ state: 'dispatched', department: 'drainage-team-3', rejected: 1 });
    expect(back.json.resolvedBy).toBeUndefined();
    expect(back.json.timeline.at(-1)).toMatchObject({
      type: 'rejected',
      from: 'resolved',
      to: 'dispatched',
      data: { principal: 'inspector' },
    });
    await act(id, T.drainage, { action: 'feedback', by: 'crew-zhou', note: 'pumped dry' });
    expect((await act(id, T.inspector, { action: 'close', by: 'inspector-zhao' })).json.state).toBe('closed');

    const ev = await api(svc.urls.http, '/api/evaluation?groupBy=department', { token: T.chief });
    expect(ev.json.rows.find((r: { group: string }) => r.group === 'drainage-team-3')).toMatchObject({ reworked: 1 });
  });

  it('records a false alarm found on site or by the verifier, and refuses it after a close', async () => {
    const onSite = await report('flood');
    for (const action of ['acknowledge', 'dispatch']) await act(onSite, T.duty, { action, by: 'op-zhang' });
    const found = await act(onSite, T.water, { action: 'false_alarm', by: 'crew-li', note: 'a burst hose, no flooding' });
    expect(found.json).toMatchObject({ state: 'false_alarm', falseAlarmBy: 'crew-li' });
    expect(found.json.timeline.at(-1)).toMatchObject({
      type: 'false_alarm',
      actor: 'crew-li',
      from: 'dispatched',
      data: { principal: 'water-crew' },
    });

    const verified = await report('flood');
    for (const action of ['acknowledge', 'dispatch']) await act(verified, T.duty, { action, by: 'op-zhang' });
    await act(verified, T.water, { action: 'feedback', by: 'crew-li' });
    expect((await act(verified, T.inspector, { action: 'false_alarm', by: 'inspector-zhao' })).json).toMatchObject({
      state: 'false_alarm',
      falseAlarmBy: 'inspector-zhao',
    });
    expect(await lastEvent(verified)).toMatchObject({ from: 'resolved' });

    const closed = await report('flood');
    for (const [action, token, by] of [
      ['acknowledge', T.duty, 'op'],
      ['dispatch', T.duty, 'op'],
      ['feedback', T.water, 'crew-li'],
      ['close', T.inspector, 'inspector-zhao'],
    ]) {
      expect((await act(closed, token!, { action, by })).status).toBe(200);
    }
    await refused(closed, T.inspector, { action: 'false_alarm', by: 'inspector-zhao' }, 409, 'invalid_transition');
  });

  it('shows the coordination office (一办) every overdue or escalated case, live on /ws, and lets it transfer them', async () => {
    const fire = await report('fire');
    const late = await report('flood', 'orange'); // someone must be on site within 2 s
    for (const action of ['acknowledge', 'dispatch']) await act(late, T.duty, { action, by: 'op-zhang' });
    // Not overdue yet: the office does not see it.
    expect((await get(late, T.office)).status).toBe(404);

    // Dispatched is not on site: the arrive deadline lapses, then the case climbs to the office.
    const escalated = await office.next(
      (m: WsMessage) =>
        m.type === 'incident' && (m.incident as { id: string }).id === late && (m.event as { type: string }).type === 'escalation',
    );
    expect(escalated.event).toMatchObject({
      data: { deadline: 'arrive', to: ['city-operations-center'], notified: ['water-affairs', 'city-operations-center'] },
    });
    const timeline = (await get(late, T.office)).json.timeline;
    expect(timeline.find((e: { type: string }) => e.type === 'overdue')).toMatchObject({
      data: { deadline: 'arrive', notified: ['water-affairs'] },
    });

    const listed = (await api(svc.urls.http, '/api/incidents?limit=1000', { token: T.office })).json.incidents.map(
      (i: { id: string }) => i.id,
    );
    expect(listed).toContain(late);
    expect(listed).not.toContain(fire); // on time, another department's
    expect((await get(fire, T.office)).status).toBe(404);
    expect(office.messages.some((m) => m.type === 'incident' && (m.incident as { id: string }).id === fire)).toBe(false);

    // The office may not arrive for the department, but may pass the case on.
    await refused(late, T.office, { action: 'arrive', by: 'office-chen' }, 403, 'forbidden');
    const moved = await act(late, T.office, {
      action: 'transfer',
      by: 'office-chen',
      department: 'drainage-team-3',
      note: 'water-affairs has no crew free',
    });
    // A fresh clock for drainage-team-3: nothing overdue, no chain running…
    expect(moved.json).toMatchObject({ department: 'drainage-team-3', overdue: [], supervisedBy: ['city-operations-center'] });
    expect(moved.json.escalation).toBeUndefined();
    // …yet the office keeps the case it supervises (督办), and water-affairs no longer has it.
    await office.next(
      (m) => m.type === 'incident' && (m.incident as { id: string }).id === late && (m.event as { type: string }).type === 'transferred',
    );
    expect((await get(late, T.office)).status).toBe(200);
    expect((await get(late, T.water)).status).toBe(404);
  });
});
