// The console's city map, device view, silences and rules views in Debian's Chromium against the
// real service, fed by real mqtt.js publishes from devices at known places.
import type { MqttClient } from 'mqtt';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../app/service.js';
import { squareCell } from '../../ingest/grid.js';
import { api, connectMqtt, eventually, publish, startTestService, tempFile, TOKEN } from '../support/service.js';
import { HAVE_CHROMIUM, launchChromium, shot } from './browser.js';

const RULES = {
  rules: [
    {
      id: 'water-high',
      version: 3,
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
    {
      id: 'smoke',
      version: 1,
      name: 'Smoke',
      kind: 'event',
      select: { kind: 'camera', event: 'smoke' },
      minConfidence: 0.8,
      severity: 'orange',
      category: 'fire',
      enabled: false,
    },
  ],
};
const CELL_M = 250;
const CENTRE = { lat: 31.2304, lon: 121.4737 };
// About a kilometre apart: separate markers at the monitor map's zoom.
const PLACES: Record<string, { lat: number; lon: number }> = {
  'sensor-m1': { lat: 31.2304, lon: 121.4737 },
  'sensor-m2': { lat: 31.2394, lon: 121.4637 },
  'sensor-m3': { lat: 31.2224, lon: 121.4857 },
};

if (!HAVE_CHROMIUM) console.warn('console map tests skipped: /usr/bin/chromium is absent');

describe.skipIf(!HAVE_CHROMIUM)('console map, device view, silences and rules in Chromium', () => {
  let browser: Browser;
  let page: Page;
  let svc: RunningService;
  const gateways: Record<string, MqttClient> = {};
  const errors: string[] = [];

  beforeAll(async () => {
    [browser, svc] = await Promise.all([
      launchChromium(),
      startTestService({ rules: tempFile('rules.json', RULES), grid: { cellSizeM: CELL_M } }),
    ]);
    for (const [id, loc] of Object.entries(PLACES)) {
      gateways[id] = await connectMqtt(svc.urls.mqtt, { clientId: id });
      // Readings over the last minutes, for the device chart.
      for (const [i, waterLevel] of [0.1, 0.15, 0.2, 0.18].entries()) {
        await publish(gateways[id]!, `city/sensor/${id}/telemetry`, {
          ts: Date.now() - (4 - i) * 60_000,
          metrics: { waterLevel, temperature: 20 + i },
          loc,
        });
      }
    }
    await eventually(
      async () => (await api(svc.urls.http, '/api/devices')).json.devices.filter((d: { loc: unknown }) => d.loc).length === 3,
    );
    const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
    page = await context.newPage();
    page.setDefaultTimeout(8000);
    page.on('pageerror', (e) => errors.push(e.message));
  });
  afterAll(async () => {
    for (const g of Object.values(gateways)) await g.endAsync();
    await browser?.close();
    await svc?.stop();
  });

  const monitorMarker = (id: string) => page.locator(`#monitor-map .device-marker[data-device="${id}"]`);

  it('shows the devices on the monitor map, and a red cell and marker once one of them raises a red incident', async () => {
    await page.goto(`${svc.urls.http}/?token=${TOKEN}`);
    await page.fill('#login-form [name=user]', 'op-map');
    await page.click('#login-form button[type=submit]');
    await page.locator('#conn[data-state=live]').waitFor();
    for (const id of Object.keys(PLACES)) await monitorMarker(id).waitFor();
    expect(await monitorMarker('sensor-m1').getAttribute('data-state')).toBe('online');
    expect(await page.locator('#monitor-map .district').count()).toBeGreaterThan(0); // the vector base layer
    expect(await page.locator('#monitor-map .incident-cell').count()).toBe(0);

    await publish(gateways['sensor-m1']!, 'city/sensor/sensor-m1/telemetry', { metrics: { waterLevel: 0.95 }, loc: PLACES['sensor-m1'] });
    const cell = squareCell(PLACES['sensor-m1']!.lat, PLACES['sensor-m1']!.lon, CELL_M);
    await page.locator(`#monitor-map .incident-cell.sev-red[data-grid="${cell}"]`).waitFor();
    await page.locator('#monitor-map .incident-marker.sev-red').waitFor();
    await page.locator('#monitor-map .device-marker[data-device="sensor-m1"][data-state=red]').waitFor();
    expect(await monitorMarker('sensor-m2').getAttribute('data-state')).toBe('online'); // only the device that raised it
    await page.screenshot({ path: shot('map-monitor-zh') });
    expect(errors).toEqual([]);
  });

  it('opens the device view from a marker, with a chart of its telemetry, and from an incident', async () => {
    await monitorMarker('sensor-m2').click();
    const view = page.locator('#view-device .device-view[data-device="sensor-m2"]');
    await view.waitFor();
    expect(await page.textContent('#view-device .device-id')).toBe('sensor-m2');
    await page.locator('#view-device .device-chart canvas').first().waitFor();
    // One chart per unit: water level (m) and temperature (°C).
    expect(
      await page
        .locator('#view-device .device-chart')
        .evaluateAll((els) => els.map((e) => e.getAttribute('data-unit')))
        .then((u) => u.sort()),
    ).toEqual(['m', '°C']);
    await page.click('#view-device [data-range="6h"]');
    expect(await page.getAttribute('#view-device [data-range="6h"]', 'class')).toContain('active');
    await page.locator('#view-device .device-chart canvas').first().waitFor();
    await page.screenshot({ path: shot('device-zh') });

    await page.click('#view-device .back');
    await page.click('.column[data-state=warning] .card');
    await page.click('.detail .member-devices [data-device="sensor-m1"]');
    await page.locator('#view-device .device-view[data-device="sensor-m1"]').waitFor();
    await page.locator('#view-device .device-details [data-online]').waitFor();
    expect(await page.locator('#view-device .device-details [data-incident]').count()).toBe(1); // its open incident
    expect(errors).toEqual([]);
  });

  it('shows the incident on the map tab of the detail', async () => {
    await page.click('#view-device [data-incident]');
    await page.click('.tabs [data-tab=map]');
    const grid = squareCell(PLACES['sensor-m1']!.lat, PLACES['sensor-m1']!.lon, CELL_M);
    await page.locator(`.detail .city-map .incident-cell[data-grid="${grid}"]`).waitFor();
    await page.locator('.detail .city-map .device-marker[data-device="sensor-m1"]').waitFor();
    // The drawer covers the monitor map's incident marker, and stays on top of it (Leaflet's panes are z-index 400+).
    const m = (await page.locator('#monitor-map .incident-marker').boundingBox())!;
    const drawer = (await page.locator('#detail').boundingBox())!;
    expect(m.x).toBeGreaterThan(drawer.x);
    const hit = await page.evaluate(
      `document.elementFromPoint(${m.x + m.width / 2}, ${m.y + m.height / 2})?.closest('#detail, #monitor-map')?.id`,
    );
    expect(hit).toBe('detail');
    await page.screenshot({ path: shot('detail-map-zh') });
    await page.click('.close-detail');
  });

  it('places a 吹哨 report by clicking the map, in English, and the incident carries that place', async () => {
    await page.click('#app .lang-switch');
    await page.click('[data-view=report]');
    const map = page.locator('#view-report .report-map');
    await map.locator('.district').first().waitFor();
    const box = (await map.boundingBox())!;
    await page.mouse.click(box.x + box.width * 0.3, box.y + box.height * 0.7); // south-west of the centre
    await page.locator('#view-report .pick-marker').waitFor();
    const lat = Number(await page.inputValue('.report-form [name=lat]'));
    const lon = Number(await page.inputValue('.report-form [name=lon]'));
    expect(lat).toBeLessThan(CENTRE.lat);
    expect(lon).toBeLessThan(CENTRE.lon);
    expect(await page.inputValue('.report-form [name=grid]')).toBe(squareCell(lat, lon, CELL_M));
    await page.fill('.report-form [name=title]', 'Tree down across the road');
    await page.selectOption('.report-form [name=category]', 'traffic');
    // A language switch renders the form anew, with what was typed and picked.
    await page.click('#app .lang-switch');
    await page.locator('#view-report .pick-marker').waitFor();
    expect(await page.inputValue('.report-form [name=title]')).toBe('Tree down across the road');
    expect(Number(await page.inputValue('.report-form [name=lat]'))).toBe(lat);
    await page.click('#app .lang-switch');
    expect(await page.inputValue('.report-form [name=category]')).toBe('traffic');
    await page.screenshot({ path: shot('report-map-en') });
    await page.click('.report-form button[type=submit]');
    await page.locator('.detail .state-pill[data-state=warning]').waitFor();
    const list = (await api(svc.urls.http, '/api/incidents?category=traffic')).json.incidents;
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ title: 'Tree down across the road', loc: { lat, lon }, grid: squareCell(lat, lon, CELL_M) });
    await page.click('.close-detail');
    expect(errors).toEqual([]);
  });

  it('creates a silence from the silences view after saying what is missing, lists it and expires it', async () => {
    await page.click('[data-view=silences]');
    await page.fill('.silence-form [name=device]', 'sensor-m3');
    await page.click('.silence-form button[type=submit]');
    const status = page.locator('.silence-form [role=status]');
    expect(await status.textContent()).toContain('Say why');
    expect(await status.textContent()).toContain('Give an end time');
    expect(await status.textContent()).not.toContain('matcher');
    expect(await page.inputValue('.silence-form [name=device]')).toBe('sensor-m3'); // kept
    expect((await api(svc.urls.http, '/api/silences')).json.silences).toHaveLength(0);

    await page.fill('.silence-form [name=comment]', 'pump test');
    await page.click('.silence-form [data-hours="4"]');
    await page.click('.silence-form button[type=submit]');
    const row = page.locator('.silences-table tr[data-state=active]');
    await row.waitFor();
    const listed = (await api(svc.urls.http, '/api/silences')).json.silences;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ matchers: { device: 'sensor-m3' }, createdBy: 'op-map', comment: 'pump test' });
    expect(listed[0].endsAt - Date.now()).toBeGreaterThan(3.9 * 3_600_000);
    expect(await row.getAttribute('data-silence')).toBe(listed[0].id);
    await page.screenshot({ path: shot('silences-en') });

    await row.locator('.expire').click();
    await page.locator(`.silences-table tr[data-silence="${listed[0].id}"][data-state=expired]`).waitFor();
    expect((await api(svc.urls.http, `/api/silences/${listed[0].id}`)).json.expiredBy).toBe('op-map');
    expect(errors).toEqual([]);
  });

  it('lists the running rules read-only, and says Node-RED is off', async () => {
    await page.click('[data-view=rules]');
    const water = page.locator('.rules-table tr[data-rule=water-high]');
    await water.waitFor();
    expect(await water.locator('td').allTextContents()).toEqual([
      'water-high',
      '3',
      'Water high 积水超限',
      'threshold',
      'OrangeRed (2)',
      'Flood',
      'yes',
    ]);
    expect(await page.getAttribute('.rules-table tr[data-rule=smoke]', 'data-enabled')).toBe('false');
    expect(await page.locator('#view-rules .flows-link').count()).toBe(0); // flows are off in this service
    await page.screenshot({ path: shot('rules-en') });
    await page.click('#app .lang-switch');
    expect(errors).toEqual([]);
  });
});
