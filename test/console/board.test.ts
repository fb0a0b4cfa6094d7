// The incident board in Debian's Chromium against the real service: severity first and never a
// red or orange card behind "+N", the filter chips and the search on the board, grouped cases
// with their devices, bulk actions recorded per incident, and forms that name what is missing
// and keep what was typed.
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN, api, connectMqtt, publish, startTestService, tempFile } from '../support/service.js';
import { HAVE_CHROMIUM, launchChromium, shot } from './browser.js';

const RULES = {
  rules: [
    {
      id: 'device-offline',
      version: 1,
      name: '设备离线',
      kind: 'absence',
      select: { kind: 'sensor' },
      after: '1m',
      severity: 'blue',
      category: 'device',
    },
  ],
};
const CREW = 'water-crew-token-0123456789';
const INSPECTOR = 'inspector-token-0123456789';
const USER = 'op-board';

describe.skipIf(!HAVE_CHROMIUM)('incident board in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  const errors: string[] = [];
  const seeded: Record<string, string[]> = { red: [], orange: [], yellow: [], blue: [] };
  const devices: MqttClient[] = [];

  const report = async (severity: string, category: string, i: number) => {
    const r = await api(svc.urls.http, '/api/incidents', {
      body: { category, title: `${category} #${i}`, severity, grid: `G-7-${i}`, source: 'patrol', by: 'seed' },
    });
    expect(r.status).toBe(201);
    seeded[severity]!.push(r.json.id);
    return r.json.id as string;
  };
  const incident = async (id: string) => (await api(svc.urls.http, `/api/incidents/${id}`)).json;
  const warningCards = () => page.locator('.column[data-state=warning] .card');
  const severities = () => warningCards().evaluateAll((els) => els.map((e) => e.getAttribute('data-severity')));

  beforeAll(async () => {
    const tokens = [
      { name: 'water-crew', token: CREW, role: 'operator' as const, department: 'water-affairs' },
      { name: 'inspector', token: INSPECTOR, role: 'operator' as const },
    ];
    [browser, svc] = await Promise.all([launchChromium(), startTestService({ rules: tempFile('rules.json', RULES), tokens })]);
    // The red and orange cases are the oldest: a board sorted by last update alone hid them behind "+N".
    for (let i = 0; i < 3; i++) await report('red', 'flood', i);
    await report('orange', 'flood', 3);
    for (let i = 4; i < 50; i++) await report(i % 2 ? 'yellow' : 'blue', 'traffic', i);
    page = await (await browser.newContext({ viewport: { width: 1600, height: 900 } })).newPage();
    page.setDefaultTimeout(8000);
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${svc.urls.http}/?token=${TOKEN}`);
    await page.fill('#login-form [name=user]', USER);
    await page.click('#login-form button[type=submit]');
    await page.locator('#conn[data-state=live]').waitFor();
  });
  afterAll(async () => {
    for (const d of devices) d.end(true);
    await browser?.close();
    await svc?.stop();
  });

  it('puts red first, then orange, and never hides them behind +N; +N opens the whole column', async () => {
    await page.locator('.more[data-more=warning]').waitFor();
    const sev = await severities();
    expect(sev).toHaveLength(40);
    expect(sev.slice(0, 4)).toEqual(['red', 'red', 'red', 'orange']);
    const rank = sev.map((s) => ['red', 'orange', 'yellow', 'blue'].indexOf(s!));
    expect(rank).toEqual([...rank].sort((a, b) => a - b));
    // Oldest first within a severity: the first red seeded leads.
    expect(await warningCards().first().getAttribute('data-id')).toBe(seeded.red![0]);
    expect(await page.textContent('.more[data-more=warning]')).toBe('+10');
    await page.screenshot({ path: shot('board-zh') });
    await page.click('.more[data-more=warning]');
    await expect.poll(() => warningCards().count()).toBe(50);
    await page.click('.more[data-more=warning]'); // show fewer
    await expect.poll(() => warningCards().count()).toBe(40);
    expect(errors).toEqual([]);
  });

  it('applies the severity and category filters to the board', async () => {
    for (const s of ['yellow', 'blue']) await page.uncheck(`#filters [name=severity][value=${s}]`);
    await page.click('#filters button[type=submit]');
    await expect.poll(severities).toEqual(['red', 'red', 'red', 'orange']);
    expect(await page.locator('.more[data-more=warning]').count()).toBe(0);
    await page.click('#filters button[type=reset]'); // a reset submits the cleared filter
    await expect.poll(severities).toHaveLength(40);
    await page.fill('#filters [name=category]', 'traffic');
    await page.click('#filters button[type=submit]');
    await expect.poll(async () => [...new Set(await severities())].sort()).toEqual(['blue', 'yellow']);
    expect(await warningCards().count()).toBe(40);
    await page.click('#filters button[type=reset]');
    await expect.poll(severities).toHaveLength(40);
  });

  it('finds an incident by id, and by grid', async () => {
    const id = seeded.blue!.at(-1)!;
    await page.fill('#board-search', id);
    await expect.poll(() => page.locator('.board .card').evaluateAll((els) => els.map((e) => e.getAttribute('data-id')))).toEqual([id]);
    await page.fill('#board-search', 'g-7-17');
    await expect
      .poll(() => page.locator('.board .card').evaluateAll((els) => els.map((e) => e.textContent!.includes('G-7-17'))))
      .toEqual([true]);
    await page.fill('#board-search', '');
  });

  it('shows a gateway outage as one card listing its devices', async () => {
    const loc = { lat: 31.2304, lon: 121.4737 };
    for (const id of ['gw-s1', 'gw-s2', 'gw-s3']) {
      const c = await connectMqtt(svc.urls.mqtt, {
        clientId: id,
        will: { topic: `city/sensor/${id}/status`, payload: Buffer.from('offline'), qos: 1, retain: true },
      });
      await publish(c, `city/sensor/${id}/telemetry`, { metrics: { waterLevel: 0.1 }, loc });
      devices.push(c);
    }
    for (const c of devices) c.stream.destroy(); // the power goes: three last wills
    await page.fill('#board-search', 'gw-s2'); // a member device finds the group's card
    const card = page.locator('.card:has(.members-count[data-members="3"])');
    await card.waitFor();
    await card.click();
    await page.locator('.detail .members tr[data-member]').nth(2).waitFor();
    expect(
      await page.locator('.detail .members tr[data-member]').evaluateAll((els) => els.map((e) => e.getAttribute('data-member')).sort()),
    ).toEqual(['gw-s1', 'gw-s2', 'gw-s3']);
    expect(await page.locator('.detail .timeline tr[data-event=detection]').allTextContents()).toEqual([
      expect.stringContaining('新设备加入'),
      expect.stringContaining('新设备加入'),
    ]);
    await page.screenshot({ path: shot('board-group-zh') });
    await page.click('.close-detail');
    // A member's alert in the stream opens the group's case, not nothing.
    const group = (await api(svc.urls.http, '/api/incidents?category=device')).json.incidents[0];
    const other = group.members.find((m: { deviceId: string }) => m.deviceId !== group.deviceId).deviceId; // not the dedup key's device
    await page.click(`.alert-item[data-type=alert][data-device=${other}]`);
    await page.locator(`.detail .members tr[data-member=${other}]`).waitFor();
    await page.click('.close-detail');
    await page.fill('#board-search', '');
  });

  it('acknowledges, marks false alarms and silences in bulk, each recorded per incident', async () => {
    const reds = seeded.red!;
    for (const id of reds) await page.check(`.pick[data-id="${id}"]`);
    expect(await page.getAttribute('.picked-count', 'data-count')).toBe('3');
    await page.click('[data-bulk=acknowledge]');
    await expect.poll(() => page.locator('.bulk-results li.ok').count()).toBe(3);
    for (const id of reds) {
      const inc = await incident(id);
      expect(inc.state).toBe('acknowledged');
      expect(inc.timeline.filter((e: { type: string }) => e.type === 'acknowledged')).toMatchObject([{ actor: USER }]);
    }
    await page.locator(`.column[data-state=acknowledged] .card[data-id="${reds[0]}"]`).waitFor();

    const blues = seeded.blue!.slice(0, 2);
    for (const id of blues) await page.check(`.pick[data-id="${id}"]`);
    await page.click('[data-bulk=false_alarm]');
    await page.fill('.bulk-form[data-form=false_alarm] [name=note]', 'drill');
    await page.click('.bulk-form[data-form=false_alarm] button[type=submit]');
    await expect.poll(() => page.locator('.bulk-results li.ok').count()).toBe(2);
    for (const id of blues) expect((await incident(id)).timeline.at(-1)).toMatchObject({ type: 'false_alarm', actor: USER, note: 'drill' });

    // A silence must say why; a manual report has no rule to silence, the grouped case has one.
    const group = (await api(svc.urls.http, '/api/incidents?category=device')).json.incidents[0];
    // Picks survive a search: find each, pick it, search again.
    for (const id of [seeded.yellow![0]!, group.id]) {
      await page.fill('#board-search', id);
      await page.check(`.pick[data-id="${id}"]`);
    }
    await page.fill('#board-search', '');
    expect(await page.getAttribute('.picked-count', 'data-count')).toBe('2');
    await page.click('[data-bulk=silence]');
    await page.click('.bulk-form[data-form=silence] button[type=submit]');
    expect(await page.textContent('#bulk .action-error')).toContain('comment');
    await page.fill('.bulk-form[data-form=silence] [name=comment]', 'gateway power work');
    await page.click('.bulk-form[data-form=silence] button[type=submit]');
    await page.locator(`.bulk-results li.ok[data-id="${group.id}"]`).waitFor();
    expect(await page.locator(`.bulk-results li.failed[data-id="${seeded.yellow![0]}"]`).count()).toBe(1);
    expect(await page.inputValue('.bulk-form[data-form=silence] [name=comment]')).toBe('gateway power work'); // kept for a retry
    const silences = (await api(svc.urls.http, '/api/silences')).json;
    expect(JSON.stringify(silences)).toContain(`"grid":"${group.grid}"`);
    await page.screenshot({ path: shot('board-bulk-zh') });
    await page.click('[data-bulk=clear]');
    expect(errors).toEqual([]);
  });

  it('refuses a review action without a due date, says so, and keeps every row through a redraw', async () => {
    const id = seeded.orange![0]!;
    for (const [token, body] of [
      [TOKEN, { action: 'acknowledge', by: 'op' }],
      [TOKEN, { action: 'dispatch', by: 'op' }],
      [CREW, { action: 'feedback', by: 'crew', note: 'pumped' }],
      [INSPECTOR, { action: 'close', by: 'inspector' }],
    ] as const)
      expect((await api(svc.urls.http, `/api/incidents/${id}/actions`, { token, body })).status).toBe(200);
    await page.fill('#board-search', id);
    await page.click(`.card[data-id="${id}"]`);
    await page.locator('.detail .state-pill[data-state=closed]').waitFor();
    await page.click('.action-bar [data-action=review]');
    await page.fill('.review-form [name=rootCause]', 'blocked drain');
    await page.fill('.review-form [name=lessons]', 'inspect before the rains');
    await page.fill('.review-form [name=a-action] >> nth=0', 'clean drains monthly');
    await page.click('.review-form .add-action');
    await page.fill('.review-form [name=a-action] >> nth=1', 'buy a pump');
    await page.fill('.review-form [name=a-due] >> nth=1', '2027-03-01');
    await page.click('.review-form button[type=submit]');
    expect(await page.textContent('.review-form .action-error')).toMatch(/第1行.*期限/);
    expect(await page.getAttribute('.review-form [name=a-due] >> nth=0', 'aria-invalid')).toBe('true');
    expect((await incident(id)).state).toBe('closed');
    await page.screenshot({ path: shot('review-missing-due-zh') });

    await page.click('#app .lang-switch'); // English: the drawer is drawn again from scratch
    await page.locator('.review-form').waitFor();
    expect(await page.inputValue('.review-form [name=a-action] >> nth=0')).toBe('clean drains monthly');
    expect(await page.inputValue('.review-form [name=a-due] >> nth=1')).toBe('2027-03-01');
    expect(await page.inputValue('.review-form [name=rootCause]')).toBe('blocked drain');
    await page.click('.review-form button[type=submit]');
    expect(await page.textContent('.review-form .action-error')).toMatch(/row 1: an action needs a due date/);
    await page.screenshot({ path: shot('review-missing-due-en') });
    await page.fill('.review-form [name=a-due] >> nth=0', '2027-01-31');
    await page.click('.review-form button[type=submit]');
    await page.locator('.detail .state-pill[data-state=reviewed]').waitFor();
    expect((await api(svc.urls.http, `/api/incidents/${id}/review`)).json.actions).toEqual([
      { action: 'clean drains monthly', owner: 'water-affairs', due: '2027-01-31' },
      { action: 'buy a pump', owner: 'water-affairs', due: '2027-03-01' },
    ]);
    await page.click('.close-detail');
    await page.fill('#board-search', '');
  });

  it('the report form names what is missing and keeps what was typed (English)', async () => {
    await page.screenshot({ path: shot('board-en') });
    await page.click('[data-view=report]');
    await page.fill('.report-form [name=description]', 'water on the road');
    await page.fill('.report-form [name=lat]', '31.2');
    await page.fill('.report-form [name=title]', '');
    await page.click('.report-form button[type=submit]');
    const status = await page.textContent('.report-form [role=status]');
    expect(status).toContain('Missing: Title');
    expect(status).toContain('Latitude and longitude go together');
    expect(await page.inputValue('.report-form [name=lat]')).toBe('31.2');
    expect(await page.inputValue('.report-form [name=description]')).toBe('water on the road');
    await page.screenshot({ path: shot('report-missing-en') });
    await page.click('#app .lang-switch'); // 中文: the page is drawn again, the typing stays
    await page.locator('.report-form').waitFor();
    expect(await page.inputValue('.report-form [name=lat]')).toBe('31.2');
    expect(await page.inputValue('.report-form [name=description]')).toBe('water on the road');
    await page.click('[data-view=monitor]');
    expect(errors).toEqual([]);
  });

  it('keeps a half-typed action form when another operator changes the incident', async () => {
    const id = seeded.yellow![1]!;
    await page.fill('#board-search', id);
    await page.click(`.card[data-id="${id}"]`);
    await page.locator('.detail .state-pill[data-state=warning]').waitFor();
    await page.click('.action-bar [data-action=false_alarm]');
    await page.fill('.action-form [name=note]', 'camera fogged');
    // Acknowledged elsewhere: the drawer follows over /ws and is drawn again.
    expect((await api(svc.urls.http, `/api/incidents/${id}/actions`, { body: { action: 'acknowledge', by: 'op-other' } })).status).toBe(
      200,
    );
    await page.locator('.detail .state-pill[data-state=acknowledged]').waitFor();
    expect(await page.inputValue('.action-form[data-action=false_alarm] [name=note]')).toBe('camera fogged');
    await page.click('.action-form button[type=submit]');
    await page.locator('.detail .state-pill[data-state=false_alarm]').waitFor();
    expect((await incident(id)).timeline.at(-1)).toMatchObject({ type: 'false_alarm', note: 'camera fogged' });
    await page.click('.close-detail');
    await page.fill('#board-search', '');
    expect(errors).toEqual([]);
  });
});
