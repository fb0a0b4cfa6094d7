// 综合评价 by indicator family over real HTTP: a configured model (config `evaluation`) scores
// cases run through the real loop; the JSON answer describes the model and carries each row's
// composite and on-time split, and the CSV has the same figures in its own columns.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { api, startTestService, tempFile } from '../support/service.js';

const ROUTING = { default: { department: 'city-operations-center' }, routes: [{ category: 'fire', department: 'fire-rescue' }] };
const INSPECTOR = 'inspector-token-0123456789';

type Svc = Awaited<ReturnType<typeof startTestService>>;
let svc: Svc;

beforeAll(async () => {
  svc = await startTestService({
    routing: tempFile('routing.json', ROUTING),
    tokens: [{ name: 'inspector', token: INSPECTOR, role: 'operator' }],
    evaluation: {
      families: {
        city: {
          label: { zh: '城市', en: 'City' },
          indicators: { safe: { categories: ['fire'] }, orderly: { categories: ['illegal_parking'] } },
        },
        service: { weight: 1, indicators: { precise: { measures: { noFalseAlarm: 1 } } } },
      },
    },
  });
});
afterAll(async () => {
  await svc?.stop();
});

const report = async (category: string) =>
  (
    await api(svc.urls.http, '/api/incidents', {
      body: { category, title: `${category} on Nanjing Road`, grid: 'G-3-3', district: 'huangpu', source: 'patrol', by: 'patrol-2' },
    })
  ).json.id as string;
const act = (id: string, action: string, token?: string) =>
  api(svc.urls.http, `/api/incidents/${id}/actions`, { token, body: { action, by: token ? 'inspector-zhao' : 'op-zhang' } });

describe('GET /api/evaluation by indicator family', () => {
  it('scores the configured families per district and month, in JSON and CSV alike', async () => {
    const fire = await report('fire');
    for (const a of ['acknowledge', 'dispatch', 'arrive', 'feedback']) expect((await act(fire, a)).status).toBe(200);
    expect((await act(fire, 'close', INSPECTOR)).status).toBe(200);
    const parking = await report('illegal_parking');
    expect((await act(parking, 'false_alarm')).status).toBe(200);

    const ev = await api(svc.urls.http, '/api/evaluation?groupBy=district&period=month');
    expect(ev.status).toBe(200);
    expect(ev.json.families).toEqual([
      {
        id: 'city',
        label: { zh: '城市', en: 'City' },
        weight: 1,
        indicators: [
          {
            id: 'safe',
            label: { zh: 'safe', en: 'safe' },
            weight: 1,
            categories: ['fire'],
            measures: { closure: 0.4, onTimeDepartment: 0.4, noRework: 0.2 },
          },
          {
            id: 'orderly',
            label: { zh: 'orderly', en: 'orderly' },
            weight: 1,
            categories: ['illegal_parking'],
            measures: { closure: 0.4, onTimeDepartment: 0.4, noRework: 0.2 },
          },
        ],
      },
      {
        id: 'service',
        label: { zh: 'service', en: 'service' },
        weight: 1,
        indicators: [
          { id: 'precise', label: { zh: 'precise', en: 'precise' }, weight: 1, categories: null, measures: { noFalseAlarm: 1 } },
        ],
      },
    ]);
    // The existing figures are all still there, beside the new ones.
    const [row] = ev.json.rows;
    expect(ev.json.rows).toHaveLength(1);
    expect(row).toMatchObject({
      period: expect.stringMatching(/^\d{4}-\d{2}$/),
      group: 'huangpu',
      incidents: 2,
      falseAlarms: 1,
      closureRate: 1,
      onTimeRate: 1,
    });
    expect(row.onTimeSplit).toEqual({ operator: { due: 1, met: 1, rate: 1 }, department: { due: 1, met: 1, rate: 1 } });
    // safe: the fire case closed on time, no rework → 100; orderly: only a false alarm → nothing to score;
    // precise: 1 − 1/2 false alarms → 50; overall (100 + 50) / 2.
    expect(row.composite).toEqual({
      score: 75,
      families: { city: 100, service: 50 },
      indicators: { safe: 100, orderly: null, precise: 50 },
      cases: { safe: 1, orderly: 1, precise: 2 },
    });

    const csv = await api(svc.urls.http, '/api/evaluation?groupBy=district&period=month&format=csv');
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    const [head, line, total] = csv.text
      .trimEnd()
      .split('\r\n')
      .map((l) => l.split(','));
    const cell = (name: string) => line![head!.indexOf(name)];
    expect(head).toEqual(
      expect.arrayContaining([
        'operatorOnTimeRate',
        'departmentOnTimeRate',
        'compositeScore',
        'family.city',
        'family.service',
        'indicator.safe',
        'indicator.orderly',
        'indicator.precise',
      ]),
    );
    expect(
      [
        'group',
        'operatorOnTimeRate',
        'departmentOnTimeRate',
        'compositeScore',
        'family.city',
        'family.service',
        'indicator.safe',
        'indicator.orderly',
        'indicator.precise',
      ].map(cell),
    ).toEqual(['huangpu', '1.0000', '1.0000', '75.00', '100.00', '50.00', '100.00', '', '50.00']);
    expect(total![head!.indexOf('compositeScore')]).toBe('75.00');
  });
});
