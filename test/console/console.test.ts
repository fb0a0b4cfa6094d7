// The operator console in Debian's Chromium against the real service (broker, SQLite, /ws),
// fed by real mqtt.js publishes: the stream, the whole closed loop in the UI, the 吹哨 form,
// and a server restart that the page rides out without missing an alert.
import { readFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../app/service.js';
import { TOKEN, api, connectMqtt, eventually, publish, startTestService, tempFile } from '../support/service.js';
import { HAVE_CHROMIUM, launchChromium, shot } from './browser.js';

const RULES = {
  rules: [
    {
      id: 'water-high',
      version: 1,
      name: 'Water high 积水超限',
      kind: 'threshold',
      select: { kind: 'sensor', metric: 'waterLevel' },
      levels: [
        { severity: 'orange', above: 0.5 },
        { severity: 'red', above: 0.8 },
      ],
      clear: { below: 0.25 },
      category: 'flood',
    },
  ],
};
const LOC = { lat: 31.2304, lon: 121.4737 };
const CREW = 'water-crew-token-0123456789';
const INSPECTOR = 'inspector-token-0123456789';

if (!HAVE_CHROMIUM) console.warn('console browser tests skipped: /usr/bin/chromium is absent (apt-get install chromium; .ci/run does)');

describe.skipIf(!HAVE_CHROMIUM)('operator console in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let svc: RunningService & { dataDir: string };
  let gateway: MqttClient;
  const errors: string[] = [];
  let gateOpen = true; // closed: the page's WebSocket connections are refused (server "down" for it)

  beforeAll(async () => {
    const rules = tempFile('rules.json', RULES);
    // The department's crew and an inspector act from their own tokens: 核查结案 needs a principal
    // other than the one that gave the feedback, so one browser session cannot do both.
    const tokens = [
      { name: 'water-crew', token: CREW, role: 'operator' as const, department: 'water-affairs' },
      { name: 'inspector', token: INSPECTOR, role: 'operator' as const },
    ];
    [browser, svc] = await Promise.all([launchChromium(), startTestService({ rules, tokens })]);
    gateway = await connectMqtt(svc.urls.mqtt, { clientId: 'sensor-c1' });
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 }, acceptDownloads: true });
    page = await context.newPage();
    page.setDefaultTimeout(8000); // a missing element fails the step that waits for it, within the test's time
    page.on('pageerror', (e) => errors.push(e.message));
    await page.routeWebSocket(/\/ws/, (ws) => {
      if (gateOpen) ws.connectToServer();
      else void ws.close();
    });
  });
  afterAll(async () => {
    await gateway?.endAsync();
    await browser?.close();
    await svc?.stop();
  });

  const state = (id: string) => api(svc.urls.http, `/api/incidents/${id}`).then((r) => r.json.state as string);
  const pill = (s: string) => page.locator(`.detail .state-pill[data-state=${s}]`).waitFor();
  const act = async (action: string, fill: Record<string, string> = {}) => {
    await page.click(`.action-bar [data-action=${action}]`);
    if (action === 'acknowledge') return; // one click: the operator acknowledges as themselves
    for (const [name, value] of Object.entries(fill)) await page.fill(`.action-form [name=${name}]`, value);
    await page.click('.action-form button[type=submit]');
  };

  it('logs in from the banner URL and shows a simulated flood reading in the stream, red with an alarm', async () => {
    await page.goto(`${svc.urls.http}/?token=${TOKEN}`);
    expect(page.url()).not.toContain('token='); // taken from the URL, kept in the session
    expect(await page.inputValue('#login-form [name=token]')).toBe(TOKEN);
    await page.fill('#login-form [name=user]', 'op-li');
    await page.click('#login-form button[type=submit]');
    await page.locator('#conn[data-state=live]').waitFor();

    const rising = [0.12, 0.2, 0.35, 0.48]; // the minutes before, for the chart
    for (const [i, waterLevel] of rising.entries()) {
      await publish(gateway, 'city/sensor/sensor-c1/telemetry', {
        ts: Date.now() - (rising.length - i) * 30_000,
        metrics: { waterLevel },
        loc: LOC,
      });
    }
    await publish(gateway, 'city/sensor/sensor-c1/telemetry', { metrics: { waterLevel: 0.93 }, loc: LOC });
    const item = page.locator('.alert-item[data-type=alert].sev-red[data-device=sensor-c1]');
    await item.waitFor();
    expect(await item.textContent()).toContain('0.93');
    await page.locator('.column[data-state=warning] .card.sev-red').waitFor();
    expect(await page.getAttribute('body', 'data-red-alarms')).toBe('1');
    expect(await page.locator('.column[data-state=warning] .countdown').textContent()).toMatch(/\d+m\d+s/);
    await page.screenshot({ path: shot('monitor-zh') });
    expect(errors).toEqual([]);
  });

  it('takes the incident through every state to a review, in the UI', async () => {
    await page.click('.column[data-state=warning] .card');
    await pill('warning');
    const id = (await page.locator('.detail .detail-head .meta').textContent())!.split(' · ')[0]!.trim();
    await act('acknowledge');
    await pill('acknowledged');
    await page.click('.action-bar [data-action=dispatch]');
    expect(await page.inputValue('.action-form [name=department]')).toBe('water-affairs'); // from the routing table
    await page.click('.action-form button[type=submit]');
    await pill('dispatched');
    // The crew reports from the field with its own token; the page follows over /ws.
    const fed = await api(svc.urls.http, `/api/incidents/${id}/actions`, {
      token: CREW,
      body: { action: 'feedback', by: 'crew-wang', note: 'pumped out' },
    });
    expect(fed.status).toBe(200);
    await pill('resolved');

    // 核查结案: the responder may not verify their own work; the form says so before the server would.
    await page.click('.action-bar [data-action=close]');
    await page.fill('.action-form [name=by]', 'crew-wang');
    expect(await page.isDisabled('.action-form button[type=submit]')).toBe(true);
    await page.fill('.action-form [name=by]', 'inspector-zhao');
    await page.click('.action-form button[type=submit]');
    await pill('closed');
    await act('reopen', { note: 'water came back' });
    await pill('dispatched');
    await act('feedback', { by: 'crew-wang', note: 'drain cleared' });
    await pill('resolved');
    // This session gave the feedback, so the inspector verifies from another token.
    const closed = await api(svc.urls.http, `/api/incidents/${id}/actions`, {
      token: INSPECTOR,
      body: { action: 'close', by: 'inspector-zhao' },
    });
    expect(closed.status).toBe(200);
    await pill('closed');
    await page.screenshot({ path: shot('detail-timeline') });

    await page.click('.tabs [data-tab=telemetry]');
    await page.locator('.chart polyline.series').waitFor();
    await page.screenshot({ path: shot('detail-telemetry') });
    await page.click('.tabs [data-tab=map]');
    const grid = (await api(svc.urls.http, `/api/incidents/${id}`)).json.grid as string;
    // Closed, yet drawn: the detail's map shows its own incident whatever the state.
    await page.locator(`.detail .city-map .incident-cell[data-grid="${grid}"][data-incident="${id}"]`).waitFor();
    expect(await page.locator('.detail .city-map .incident-marker').count()).toBeGreaterThan(0);
    await page.screenshot({ path: shot('detail-map') });

    await page.click('.action-bar [data-action=review]');
    await page.fill('.review-form [name=rootCause]', 'blocked drain');
    await page.fill('.review-form [name=lessons]', 'inspect before the rainy season');
    await page.fill('.review-form [name=a-action]', 'clean drains monthly');
    await page.fill('.review-form [name=a-due]', '2026-12-31');
    await page.click('.review-form button[type=submit]');
    await pill('reviewed');
    await page.locator('.review-root-cause').waitFor();
    expect(await state(id)).toBe('reviewed');
    const review = (await api(svc.urls.http, `/api/incidents/${id}/review`)).json;
    expect(review).toMatchObject({
      rootCause: 'blocked drain',
      actions: [{ action: 'clean drains monthly', owner: 'water-affairs', due: '2026-12-31' }],
    });
    expect(review.timeline.map((e: { event: string }) => e.event)).toEqual(
      expect.arrayContaining(['opened', 'acknowledged', 'dispatched', 'resolved', 'closed', 'reopened', 'reviewed']),
    );
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('.export-md')]);
    expect(download.suggestedFilename()).toBe(`review-${id}.md`);
    expect(readFileSync((await download.path())!, 'utf8')).toContain('blocked drain');
    await page.screenshot({ path: shot('detail-review') });
    await page.click('.close-detail');
    await page.locator('.column[data-state=reviewed] .card').waitFor();
    expect(errors).toEqual([]);
  });

  it('raises an incident from the 吹哨 form on the city map, in English, and marks it a false alarm', async () => {
    await page.click('#app .lang-switch');
    expect(await page.textContent('[data-view=report]')).toBe('Report');
    await page.click('[data-view=report]');
    await page.locator('.report-map .district').first().waitFor();
    await page.locator('.report-map').click({ position: { x: 200, y: 150 } });
    const picked = await page.inputValue('.report-form [name=grid]');
    expect(picked).toMatch(/^G-\d+-\d+$/);
    await page.fill('.report-form [name=title]', 'Manhole cover missing');
    await page.check('.report-form [name=severity][value=orange]');
    await page.selectOption('.report-form [name=category]', 'public_order');
    await page.fill('.report-form [name=description]', 'outside No. 12');
    await page.screenshot({ path: shot('report-en') });
    await page.click('.report-form button[type=submit]');
    await pill('warning');
    const list = (await api(svc.urls.http, '/api/incidents?category=public_order')).json.incidents;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({
      grid: picked,
      severity: 'orange',
      source: 'grid_worker',
      reportedBy: 'op-li',
      title: 'Manhole cover missing',
    });
    await act('false_alarm', { note: 'cover was in place' });
    await pill('false_alarm');
    expect(await page.locator('.action-bar button').count()).toBe(0); // nothing more to do
    await page.click('.close-detail');
    await page.screenshot({ path: shot('monitor-en') });
    // 综合评价 is offered exactly when GET /api/evaluation answers.
    const evaluation = await api(svc.urls.http, '/api/evaluation');
    expect(await page.isVisible('[data-view=evaluation]')).toBe(evaluation.status === 200);
    if (evaluation.status === 200) {
      await page.click('[data-view=evaluation]');
      await page.locator('.evaluation table tr:nth-child(2)').first().waitFor();
      // Scores by indicator family: the three families of the model and their nine indicators as headings.
      const families = page.locator('.families-table');
      await families.waitFor();
      const headings = await families.locator('th').allTextContents();
      expect(headings).toEqual(
        expect.arrayContaining([
          'Overall',
          'Safe, resilient, healthy',
          'Clean, tidy, orderly',
          'Efficient, precise, satisfying',
          'Safe',
          'Resilient',
          'Healthy',
          'Clean',
          'Tidy',
          'Orderly',
          'Efficient',
          'Precise',
          'Satisfying',
        ]),
      );
      expect(await page.locator('.evaluation select[name=period] option').allTextContents()).toEqual(['Whole range', 'By month']);
      await page.screenshot({ path: shot('evaluation-en') });
      await page.click('[data-view=monitor]');
    }
    await page.click('#app .lang-switch'); // back to zh-CN
    expect(errors).toEqual([]);
  });

  it('rides out a server restart on the same port and data, and resumes without missing an alert', async () => {
    const before = await page.locator('.alert-item').count();
    gateOpen = false; // the page cannot reach the service until the new one has logged an alert
    await gateway.endAsync();
    const port = svc.ports.http;
    await svc.stop();
    await page.locator('#conn[data-state=reconnecting]').waitFor();

    svc = await startTestService({ rules: tempFile('rules.json', RULES), dataDir: svc.dataDir, http: { host: '127.0.0.1', port } });
    gateway = await connectMqtt(svc.urls.mqtt, { clientId: 'sensor-c2' });
    await publish(gateway, 'city/sensor/sensor-c2/telemetry', { metrics: { waterLevel: 0.6 }, loc: LOC });
    await eventually(async () =>
      (await api(svc.urls.http, '/api/incidents?state=warning')).json.incidents.some(
        (i: { deviceId?: string }) => i.deviceId === 'sensor-c2',
      ),
    );
    await page.screenshot({ path: shot('reconnecting') });
    expect(await page.locator('[data-device=sensor-c2]').count()).toBe(0);

    gateOpen = true;
    // The page's own backoff may get through first; the button is only there while it waits.
    await page
      .locator('#reconnect')
      .click({ timeout: 2000 })
      .catch(() => undefined);
    await page.locator('#conn[data-state=live]').waitFor({ timeout: 15_000 });
    await page.locator('.alert-item[data-type=alert].sev-orange[data-device=sensor-c2]').waitFor();
    await page.locator('.column[data-state=warning] .card.sev-orange').waitFor();
    const seqs = await page.locator('.alert-item').evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-seq'))));
    expect(new Set(seqs).size).toBe(seqs.length); // each message once
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a)); // newest first, in seq order
    expect(seqs.length).toBe(before + 2); // the alert and its incident, nothing repeated
    await page.screenshot({ path: shot('after-restart') });

    // Filters go to the server as `subscribe` and hide what is already listed.
    for (const sev of ['orange', 'yellow', 'blue']) await page.uncheck(`#filters [name=severity][value=${sev}]`);
    await page.click('#filters button[type=submit]');
    expect(await page.isHidden('.alert-item[data-device=sensor-c2]')).toBe(true);
    const c3 = await connectMqtt(svc.urls.mqtt, { clientId: 'sensor-c3' });
    await publish(c3, 'city/sensor/sensor-c3/telemetry', { metrics: { waterLevel: 0.6 }, loc: LOC }); // orange: filtered out
    await publish(c3, 'city/sensor/sensor-c3/telemetry', { metrics: { waterLevel: 0.1 }, loc: LOC });
    await publish(c3, 'city/sensor/sensor-c3/telemetry', { metrics: { waterLevel: 0.95 }, loc: LOC }); // red
    await page.locator('.alert-item[data-type=alert].sev-red[data-device=sensor-c3]').waitFor();
    expect(await page.locator('.alert-item.sev-orange[data-device=sensor-c3]').count()).toBe(0);
    await c3.endAsync();
    expect(errors).toEqual([]);
  });
});
