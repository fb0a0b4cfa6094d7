// Evidence frozen at close (docs/reviews.md), through the real service and its SQLite files:
// a closed case's review keeps its readings after telemetry retention removed them, an area
// case holds every member device, and a false alarm can be reviewed and is still counted.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openSqliteReadingsReader } from '../../store/index.js';
import { api, connectMqtt, eventually, publish, startTestService, tempFile } from '../support/service.js';

const RULES = {
  rules: [
    {
      id: 'water-high',
      version: 3,
      name: '积水超限',
      kind: 'threshold',
      select: { kind: 'sensor', metric: 'waterLevel' },
      above: 0.5,
      clear: { below: 0.3 },
      severity: 'orange',
      category: 'flood',
    },
    {
      id: 'smoke-area',
      version: 1,
      name: '区域烟雾',
      kind: 'correlate',
      severity: 'yellow',
      category: 'fire',
      minSources: 2,
      window: '5m',
      conditions: [{ select: { kind: 'sensor', metric: 'smoke' }, above: 50 }],
    },
  ],
};
const INSPECTOR = 'inspector-token-0123456789';
const LOC = { lat: 31.23, lon: 121.47 };

describe('evidence frozen with the case', () => {
  const rules = tempFile('rules.json', RULES);
  const config = {
    rules,
    tokens: [{ name: 'inspector', token: INSPECTOR, role: 'operator' as const }],
    review: { evidenceAfter: '100ms' },
  };
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let gw: MqttClient[] = [];
  const t0 = Date.now() - 60_000;
  let closedId: string;
  let falseId: string;
  let areaId: string;

  const act = (id: string, body: object, token?: string) => api(svc.urls.http, `/api/incidents/${id}/actions`, { body, token });
  const incidentOf = (ruleId: string, deviceOrGrid: string) =>
    eventually(
      async () =>
        (await api(svc.urls.http, '/api/incidents')).json.incidents.find(
          (i: { ruleId: string; dedupKey: string }) => i.ruleId === ruleId && i.dedupKey.endsWith(deviceOrGrid),
        )?.id as string | undefined,
    );
  const frozen = (id: string) =>
    eventually(async () => {
      const r = await api(svc.urls.http, `/api/incidents/${id}/review`);
      return r.json.evidence?.status === 'frozen' ? r.json : undefined;
    });

  beforeAll(async () => {
    svc = await startTestService(config);
    gw = await Promise.all(
      ['ev-water-1', 'ev-water-2', 'ev-smoke-1', 'ev-smoke-2'].map((id) => connectMqtt(svc.urls.mqtt, { clientId: id })),
    );
    const [w1, w2, s1, s2] = gw as [MqttClient, MqttClient, MqttClient, MqttClient];
    for (const [i, v] of [0.2, 0.7, 0.2].entries())
      await publish(w1, 'city/sensor/ev-water-1/telemetry', { ts: t0 + i * 1000, metrics: { waterLevel: v }, loc: LOC });
    await publish(w2, 'city/sensor/ev-water-2/telemetry', { ts: t0 + 5000, metrics: { waterLevel: 0.9 }, loc: LOC });
    await publish(s1, 'city/sensor/ev-smoke-1/telemetry', { ts: t0 + 6000, metrics: { smoke: 80 }, loc: LOC });
    await publish(s2, 'city/sensor/ev-smoke-2/telemetry', { ts: t0 + 7000, metrics: { smoke: 90 }, loc: LOC });
    closedId = await incidentOf('water-high', 'ev-water-1');
    falseId = await incidentOf('water-high', 'ev-water-2');
    areaId = await incidentOf('smoke-area', '');
  });
  afterAll(async () => {
    await Promise.all(gw.map((c) => c.endAsync()));
    await svc?.stop();
  });

  it('notes "live" before the close, then freezes the readings, detections and rule at close without holding up the 200', async () => {
    expect((await api(svc.urls.http, `/api/incidents/${closedId}/review`)).json.evidence.status).toBe('live');
    await act(closedId, { action: 'acknowledge', by: 'op-li' });
    await act(closedId, { action: 'dispatch', by: 'op-li' });
    await act(closedId, { action: 'feedback', by: 'crew-wang' });
    const closed = await act(closedId, { action: 'close', by: 'inspector-zhao' }, INSPECTOR);
    expect(closed.json.state).toBe('closed');
    const review = await frozen(closedId);
    // The rule as it ran: its first stored revision (the rule file's, at start).
    expect(review.evidence).toMatchObject({
      devices: ['ev-water-1'],
      detections: 2,
      readings: { total: 3, kept: 3, downsampled: false },
      ruleRevision: 1,
    });
    expect(review.telemetry.source).toMatch(/^evidence/);
    expect(review.telemetry.series[0].points.map((p: { value: number }) => p.value)).toEqual([0.2, 0.7, 0.2]);
  });

  it('freezes every member device of an area case, not one', async () => {
    await act(areaId, { action: 'false_alarm', by: 'op-li', note: 'kitchen smoke' });
    const review = await frozen(areaId);
    expect(review.evidence.devices).toEqual(expect.arrayContaining(['ev-smoke-1', 'ev-smoke-2']));
    expect(new Set(review.telemetry.series.map((s: { deviceId: string }) => s.deviceId))).toEqual(new Set(review.evidence.devices));
  });

  it('reviews a false alarm, which stays a false alarm and is counted as one', async () => {
    expect((await act(falseId, { action: 'false_alarm', by: 'op-li', note: 'sensor under a dripping pipe' })).json.state).toBe(
      'false_alarm',
    );
    const review = { rootCause: 'sensor under a dripping pipe', lessons: 'site sensors away from pipes', actions: [] };
    const reviewed = await act(falseId, { action: 'review', by: 'op-li', review });
    expect([reviewed.status, reviewed.json.state, typeof reviewed.json.reviewedAt]).toEqual([200, 'false_alarm', 'number']);
    expect((await act(falseId, { action: 'review', by: 'op-li', review })).json.error.code).toBe('already_reviewed');
    const record = await frozen(falseId);
    expect(record).toMatchObject({ rootCause: 'sensor under a dripping pipe', rule: { id: 'water-high', falseAlarm: true } });
    const evaluation = await api(svc.urls.http, '/api/evaluation?groupBy=rule');
    expect(evaluation.json.rows.find((r: { group: string }) => r.group === 'water-high')).toMatchObject({ falseAlarms: 1 });
  });

  it('still shows the readings after telemetry retention removed them (restart with a 1 s retention)', async () => {
    const { dataDir } = svc;
    await svc.stop();
    await new Promise((r) => setTimeout(r, 1100));
    svc = await startTestService({ ...config, dataDir, telemetryRetention: '1s' });
    const reader = openSqliteReadingsReader(dataDir);
    try {
      expect([...reader.readings(t0 - 1, Date.now())]).toHaveLength(0);
    } finally {
      reader.close();
    }
    const r = await api(svc.urls.http, `/api/incidents/${closedId}/review`);
    expect(r.json.evidence.status).toBe('frozen');
    expect(r.json.telemetry.series[0].points.map((p: { value: number }) => p.value)).toEqual([0.2, 0.7, 0.2]);
    const md = await api(svc.urls.http, `/api/incidents/${closedId}/review?format=md`);
    expect(md.text).toContain('## Evidence');
    expect(md.text).toMatch(/3 of 3 readings from 1 device/);
    // The rule that fired, replayed over the evidence the store no longer has elsewhere.
    expect(r.json.rule.replay).toMatchObject({
      raised: true,
      raisedAt: t0 + 1000,
      clearedAt: t0 + 2000,
      severity: 'orange',
      reproducesLive: true,
    });
    expect(md.text).toContain('- The rule as it fired, replayed over the evidence: raised');
    expect(md.text).toContain('the same detections as live');
  });
});

describe('a freeze still pending at shutdown', () => {
  it('is noted "freezing" at once and finished by the next start', async () => {
    const rules = tempFile('rules.json', RULES);
    const config = { rules, review: { evidenceAfter: '1s' } };
    let svc = await startTestService(config);
    try {
      const gw = await connectMqtt(svc.urls.mqtt, { clientId: 'ev-pending-1' });
      await publish(gw, 'city/sensor/ev-pending-1/telemetry', { ts: Date.now() - 2000, metrics: { waterLevel: 0.8 } });
      await gw.endAsync();
      const id = await eventually(async () => (await api(svc.urls.http, '/api/incidents')).json.incidents[0]?.id as string | undefined);
      expect((await api(svc.urls.http, `/api/incidents/${id}/actions`, { body: { action: 'false_alarm', by: 'op-li' } })).status).toBe(200);
      const pending = await api(svc.urls.http, `/api/incidents/${id}/review`);
      expect(pending.json.evidence.status).toBe('freezing');
      expect(pending.json.telemetry.source).toBe('sqlite'); // read live meanwhile
      const { dataDir } = svc;
      await svc.stop();
      svc = await startTestService({ ...config, dataDir });
      const done = await eventually(async () => {
        const r = await api(svc.urls.http, `/api/incidents/${id}/review`);
        return r.json.evidence.status === 'frozen' ? r.json : undefined;
      });
      expect(done.evidence.readings).toMatchObject({ total: 1, kept: 1 });
    } finally {
      await svc.stop();
    }
  });
});
