// The resident's 回访 page in Chromium: it renders styled under its own CSP (nothing blocked),
// a phone's browser submits the plain form, and the score lands on the case's timeline.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestService, tempFile } from '../support/service.js';
import { HAVE_CHROMIUM, launchChromium, shot } from './browser.js';

const INSPECTOR = 'inspector-token-0123456789';

describe.skipIf(!HAVE_CHROMIUM)('回访 page in Chromium', () => {
  let browser: Browser;
  let svc: Awaited<ReturnType<typeof startTestService>>;
  beforeAll(async () => {
    [browser, svc] = await Promise.all([
      launchChromium(),
      startTestService({
        routing: tempFile('routing.json', { default: { department: 'city-operations-center' }, routes: [] }),
        tokens: [{ name: 'inspector', token: INSPECTOR, role: 'operator' }],
      }),
    ]);
  });
  afterAll(async () => {
    await browser?.close();
    await svc?.stop();
  });

  it('shows the case, takes a score by the form, and says thank you', async () => {
    const id = (
      await api(svc.urls.http, '/api/incidents', {
        body: { category: 'garbage', title: '垃圾满溢 overflowing bins', grid: 'G-1-1', source: 'hotline_12345', by: 'hotline-7' },
      })
    ).json.id;
    for (const action of ['acknowledge', 'dispatch', 'feedback'])
      await api(svc.urls.http, `/api/incidents/${id}/actions`, { body: { action, by: 'op' } });
    const closed = await api(svc.urls.http, `/api/incidents/${id}/actions`, {
      token: INSPECTOR,
      body: { action: 'close', by: 'inspector-zhao' },
    });

    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    const violations: string[] = [];
    page.on('console', (m) => m.type() === 'error' && violations.push(m.text()));
    await page.goto(closed.json.followUp.url);
    expect(await page.textContent('.case')).toContain('overflowing bins');
    // The inline style is allowed by its hash: a blocked style would leave the button unstyled.
    expect(
      await page
        .locator('button[type=submit]')
        .evaluate(
          (b) =>
            (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(b).backgroundColor,
        ),
    ).toBe('rgb(9, 105, 218)');
    await page.screenshot({ path: shot('follow-up-form') });
    await page.fill('#score', '88');
    await page.fill('#comment', '清运及时');
    await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
    expect(await page.textContent('body')).toContain('88');
    await page.screenshot({ path: shot('follow-up-thanks') });
    expect(violations).toEqual([]);
    await page.close();

    const timeline = (await api(svc.urls.http, `/api/incidents/${id}`)).json.timeline;
    expect(timeline.at(-1)).toMatchObject({ type: 'follow_up', actor: 'resident', note: '清运及时', data: { score: 88 } });
  });
});
