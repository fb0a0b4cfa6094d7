// 回访 with the real service over real HTTP: a reported case is closed by an inspector, the close
// answer carries the resident's one-time link, the resident opens it without any token, scores
// once, and the score reaches the timeline and 综合评价; an expired link is gone (410).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestService, tempFile } from '../support/service.js';

const ROUTING = {
  default: { department: 'city-operations-center' },
  routes: [{ category: 'flood', department: 'water-affairs' }],
};
const T = {
  duty: 'duty-officer-token-0123456789',
  inspector: 'inspector-token-0123456789',
  water: 'water-crew-token-0123456789',
} as const;
const TOKENS = [
  { name: 'duty-officer', token: T.duty, role: 'operator' as const },
  { name: 'inspector', token: T.inspector, role: 'operator' as const },
  { name: 'water-crew', token: T.water, role: 'operator' as const, department: 'water-affairs' },
];

type Svc = Awaited<ReturnType<typeof startTestService>>;

/** Report → acknowledge → dispatch → arrive → feedback (water crew) → close (inspector); the close answer. */
async function reportAndClose(svc: Svc, title: string) {
  const created = await api(svc.urls.http, '/api/incidents', {
    token: T.duty,
    body: { category: 'flood', title, grid: 'G-2-7', district: 'huangpu', source: 'hotline_12345', by: 'hotline-operator-7' },
  });
  expect(created.status).toBe(201);
  const id = created.json.id as string;
  const steps: Array<[string, string, string]> = [
    ['acknowledge', T.duty, 'op-zhang'],
    ['dispatch', T.duty, 'op-zhang'],
    ['arrive', T.water, 'crew-li'],
    ['feedback', T.water, 'crew-li'],
  ];
  for (const [action, token, by] of steps) {
    const r = await api(svc.urls.http, `/api/incidents/${id}/actions`, { token, body: { action, by } });
    expect([action, r.status]).toEqual([action, 200]);
  }
  const closed = await api(svc.urls.http, `/api/incidents/${id}/actions`, {
    token: T.inspector,
    body: { action: 'close', by: 'inspector-zhao', satisfaction: 60 },
  });
  expect(closed.status).toBe(200);
  return { id, closed: closed.json };
}

/** The link's path, and a request to it with no operator token. */
const linkPath = (url: string) => new URL(url).pathname;
const post = (svc: Svc, path: string, body: string, type: string) =>
  fetch(`${svc.urls.http}${path}`, { method: 'POST', headers: { 'content-type': type }, body });

describe('回访: the resident follow-up link', () => {
  let svc: Svc;
  beforeAll(async () => {
    svc = await startTestService({ routing: tempFile('routing.json', ROUTING), tokens: TOKENS });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('is made at close, opens without a token, takes one score, and shows in the timeline and the evaluation', async () => {
    const before = Date.now();
    const { id, closed } = await reportAndClose(svc, '小区门口积水 water at the gate');
    expect(closed.state).toBe('closed');
    expect(closed.followUp).toEqual({ url: expect.any(String), sentAt: expect.any(Number), expiresAt: expect.any(Number) });
    const { url, expiresAt } = closed.followUp;
    expect(url).toMatch(new RegExp(`^${svc.urls.http}/r/[A-Za-z0-9_-]{43}$`));
    expect(expiresAt).toBeGreaterThanOrEqual(before + 7 * 86_400_000);
    expect(closed.timeline.at(-1)).toMatchObject({ type: 'follow_up_sent', data: { expiresAt } });
    const path = linkPath(url);

    const page = await fetch(`${svc.urls.http}${path}`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('referrer-policy')).toBe('no-referrer');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await page.text();
    expect(html).toContain('服务回访');
    expect(html).toContain('water at the gate');
    expect(html).toContain('name="score"');

    // A bad score is refused naming the field, and uses nothing up.
    for (const score of [101, -1, 'ninety', 85.5]) {
      const bad = await post(svc, path, JSON.stringify({ score }), 'application/json');
      const json = (await bad.json()) as { error: { code: string; issues: Array<{ path: string }> } };
      expect([bad.status, json.error.code, json.error.issues.map((i) => i.path)]).toEqual([400, 'bad_request', ['score']]);
    }
    const answered = await post(svc, path, JSON.stringify({ score: 90, comment: '排水及时 drained quickly' }), 'application/json');
    expect(answered.status).toBe(201);
    expect(await answered.json()).toMatchObject({ incidentId: id, score: 90 });
    const again = await post(svc, path, JSON.stringify({ score: 10 }), 'application/json');
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('already_answered');

    const incident = (await api(svc.urls.http, `/api/incidents/${id}`)).json;
    expect(incident.followUp).toMatchObject({ score: 90, expiresAt });
    expect(incident.satisfaction).toBe(60); // the inspector's figure stays apart from the resident's
    expect(incident.timeline.at(-1)).toMatchObject({
      type: 'follow_up',
      actor: 'resident',
      note: '排水及时 drained quickly',
      data: { score: 90 },
    });

    // A reopen does not erase the answer, and the next close sends no second link.
    expect(
      (await api(svc.urls.http, `/api/incidents/${id}/actions`, { token: T.inspector, body: { action: 'reopen', by: 'inspector-zhao' } }))
        .status,
    ).toBe(200);
    await api(svc.urls.http, `/api/incidents/${id}/actions`, { token: T.water, body: { action: 'feedback', by: 'crew-li' } });
    const reclosed = await api(svc.urls.http, `/api/incidents/${id}/actions`, {
      token: T.inspector,
      body: { action: 'close', by: 'inspector-zhao' },
    });
    expect(reclosed.json.followUp).toEqual({ sentAt: expect.any(Number), expiresAt, answeredAt: expect.any(Number), score: 90 });

    const ev = await api(svc.urls.http, '/api/evaluation?groupBy=department');
    expect(ev.json.rows.find((r: { group: string }) => r.group === 'water-affairs').followUp).toEqual({
      links: 1,
      n: 1,
      average: 90,
      responseRate: 1,
      target: 85,
      met: true,
    });
    const csv = await api(svc.urls.http, '/api/evaluation?groupBy=district&format=csv');
    const [head, ...lines] = csv.text.trimEnd().split('\r\n');
    const cols = head!.split(',');
    const huangpu = lines.map((l) => l.split(',')).find((c) => c[cols.indexOf('group')] === 'huangpu')!;
    expect(['followUpN', 'followUpAvg', 'followUpTarget', 'followUpMet'].map((c) => huangpu[cols.indexOf(c)])).toEqual([
      '1',
      '90.00',
      '85',
      'true',
    ]);
  });

  it('answers a form post from the page with a page, and refuses unknown links (404)', async () => {
    const { closed } = await reportAndClose(svc, 'road flooded');
    const path = linkPath(closed.followUp.url);
    const badForm = await post(svc, path, 'score=&comment=hi', 'application/x-www-form-urlencoded');
    expect(badForm.status).toBe(400);
    expect(await badForm.text()).toContain('score');
    const form = await post(svc, path, 'score=75&comment=%E8%BF%98%E8%A1%8C', 'application/x-www-form-urlencoded');
    expect(form.status).toBe(201);
    expect(await form.text()).toContain('75');
    expect((await post(svc, path, 'score=75', 'application/x-www-form-urlencoded')).status).toBe(409);
    expect((await post(svc, path, 'score=75', 'text/plain')).status).toBe(415);

    const unknown = `/r/${'A'.repeat(43)}`;
    expect((await fetch(`${svc.urls.http}${unknown}`)).status).toBe(404);
    expect((await post(svc, unknown, '{"score":90}', 'application/json')).status).toBe(404);
    expect((await fetch(`${svc.urls.http}/r/not-a-token`)).status).toBe(404);
  });
});

describe('回访: an expired link', () => {
  let svc: Svc;
  beforeAll(async () => {
    svc = await startTestService({ routing: tempFile('routing.json', ROUTING), tokens: TOKENS, followUp: { ttl: '300ms' } });
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it('is gone (410) for the page and for an answer, and records nothing', async () => {
    const { id, closed } = await reportAndClose(svc, 'water in the underpass');
    const path = linkPath(closed.followUp.url);
    await new Promise((r) => setTimeout(r, 400));
    expect((await fetch(`${svc.urls.http}${path}`)).status).toBe(410);
    const late = await post(svc, path, JSON.stringify({ score: 90 }), 'application/json');
    expect(late.status).toBe(410);
    expect(((await late.json()) as { error: { code: string } }).error.code).toBe('expired');
    const incident = (await api(svc.urls.http, `/api/incidents/${id}`)).json;
    expect(incident.timeline.some((e: { type: string }) => e.type === 'follow_up')).toBe(false);
    expect(incident.followUp.score).toBeUndefined();
  });
});
