// The closed loop end to end, through the public contracts only: a gateway publishes over
// MQTT, an operator watches /ws and acts over HTTP, and the review holds the reading.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../app/service.js';
import { Operator, api, connectMqtt, eventually, publish, startTestService, tempFile } from '../support/service.js';

const RULES = {
  rules: [
    {
      id: 'water-high',
      version: 1,
      name: '积水超限',
      kind: 'threshold',
      select: { kind: 'sensor', metric: 'waterLevel' },
      levels: [
        { severity: 'yellow', above: 0.3 },
        { severity: 'orange', above: 0.5 },
        { severity: 'red', above: 0.8 },
      ],
      clear: { below: 0.25 },
      category: 'flood',
    },
  ],
};

// The built-in routes, plus a team that takes flood cases only when dispatched to it.
const ROUTING = {
  default: { department: 'city-operations-center' },
  routes: [{ category: 'flood', department: 'water-affairs' }],
  departments: ['drainage-team-3'],
};
const INSPECTOR = 'inspector-token-0123456789';

describe('closed loop over MQTT, WebSocket and HTTP', () => {
  let svc: RunningService;
  let gateway: MqttClient;
  let op: Operator;

  beforeAll(async () => {
    svc = await startTestService({
      rules: tempFile('rules.json', RULES),
      routing: tempFile('routing.json', ROUTING),
      // 核查结案 is verified by another principal than the one that gave the feedback.
      tokens: [{ name: 'inspector', token: INSPECTOR, role: 'operator' }],
    });
    gateway = await connectMqtt(svc.urls.mqtt, { clientId: 'sensor-e2e-1' });
    op = await Operator.connect(svc.urls.ws);
  });
  afterAll(async () => {
    op?.close();
    await gateway?.endAsync();
    await svc?.stop();
  });

  let incidentId: string;
  const readingTs = Date.now() - 1000;

  it('turns a threshold crossing into an alert and an incident on /ws', async () => {
    await publish(gateway, 'city/sensor/sensor-e2e-1/telemetry', {
      ts: readingTs,
      metrics: { waterLevel: 0.62 },
      loc: { lat: 31.23, lon: 121.47 },
    });
    const alert = await op.next((m) => m.type === 'alert');
    expect(alert.alert).toMatchObject({ ruleId: 'water-high', severity: 'orange', deviceId: 'sensor-e2e-1', value: 0.62, phase: 'raise' });
    const inc = await op.next((m) => m.type === 'incident');
    expect(inc.incident).toMatchObject({ state: 'warning', severity: 'orange', category: 'flood', department: 'water-affairs' });
    expect(inc.event).toMatchObject({ type: 'opened' });
    expect(inc.seq).toBeGreaterThan(alert.seq!);
    incidentId = (inc.incident as { id: string }).id;
  });

  it('attaches a repeat to the open incident instead of opening a second one', async () => {
    await publish(gateway, 'city/sensor/sensor-e2e-1/telemetry', { metrics: { waterLevel: 0.1 } }); // clear
    await publish(gateway, 'city/sensor/sensor-e2e-1/telemetry', { metrics: { waterLevel: 0.9 } }); // raise again, red
    const detail = await eventually(async () => {
      const r = await api(svc.urls.http, `/api/incidents/${incidentId}`);
      return r.json.detections === 2 ? r.json : undefined;
    });
    expect(detail.severity).toBe('red');
    expect(detail.timeline.map((e: { type: string }) => e.type)).toEqual(['opened', 'cleared', 'escalated']);
    const list = await api(svc.urls.http, '/api/incidents?category=flood');
    expect(list.json.incidents).toHaveLength(1);
  });

  it('takes the incident through every state to reviewed, refusing wrong transitions with 409', async () => {
    const act = (body: object, token?: string) => api(svc.urls.http, `/api/incidents/${incidentId}/actions`, { body, token });
    expect((await act({ action: 'close', by: 'op-li' })).status).toBe(409);
    expect((await act({ action: 'acknowledge', by: 'op-li' })).json.state).toBe('acknowledged');
    const unknown = await act({ action: 'dispatch', by: 'op-li', department: 'drainage-team-9' });
    expect([unknown.status, unknown.json.error.code, unknown.json.error.issues[0].path]).toEqual([400, 'unknown_department', 'department']);
    expect((await act({ action: 'dispatch', by: 'op-li', department: 'drainage-team-3' })).json).toMatchObject({
      state: 'dispatched',
      department: 'drainage-team-3',
    });
    expect((await act({ action: 'feedback', by: 'crew-wang', note: 'pumped out, drain cleared' })).json.state).toBe('resolved');
    const sameActor = await act({ action: 'close', by: 'crew-wang' });
    expect(sameActor.status).toBe(409);
    expect(sameActor.json.error.code).toBe('same_actor');
    // The token decides, not `by`: the operator token gave the feedback, so it cannot close.
    expect((await act({ action: 'close', by: 'inspector-zhao' })).json.error.code).toBe('same_actor');
    expect((await act({ action: 'close', by: 'inspector-zhao' }, INSPECTOR)).json.state).toBe('closed');
    const noReview = await act({ action: 'review', by: 'op-li' });
    expect(noReview.status).toBe(400);
    expect(noReview.json.error.issues[0].path).toBe('review');
    const reviewed = await act({
      action: 'review',
      by: 'op-li',
      review: {
        rootCause: 'blocked drain at the underpass',
        lessons: 'inspect drains before the rainy season',
        actions: [{ action: 'clean drains monthly', owner: 'drainage-team-3', due: '2026-12-31' }],
      },
    });
    expect(reviewed.status).toBe(200);
    expect(reviewed.json.state).toBe('reviewed');
    const refused = await act({ action: 'reopen', by: 'op-li' });
    expect(refused.status).toBe(409);
    expect((await api(svc.urls.http, `/api/incidents/${incidentId}`)).json.state).toBe('reviewed');
    // Every change was pushed to the operator.
    await op.next((m) => m.type === 'incident' && (m.incident as { state: string }).state === 'reviewed');
  });

  it('keeps a review record holding the triggering reading, as JSON and Markdown', async () => {
    const r = await api(svc.urls.http, `/api/incidents/${incidentId}/review`);
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      incidentId,
      severity: 'red',
      category: 'flood',
      department: 'drainage-team-3',
      rootCause: 'blocked drain at the underpass',
    });
    expect(r.json.timeline.map((t: { event: string }) => t.event)).toEqual([
      'opened',
      'cleared',
      'escalated',
      'acknowledged',
      'dispatched',
      'resolved',
      'closed',
      'reviewed',
    ]);
    expect(r.json.metrics.timeToAcknowledgeMs).toBeGreaterThanOrEqual(0);
    expect(r.json.metrics.detections).toBe(2);
    const series = r.json.telemetry.series.find((s: { metric: string }) => s.metric === 'waterLevel');
    expect(series.points).toContainEqual({ ts: readingTs, value: 0.62 });
    expect(r.json.rule).toMatchObject({ id: 'water-high', version: 1, falseAlarm: false });
    const md = await api(svc.urls.http, `/api/incidents/${incidentId}/review?format=md`);
    expect(md.headers.get('content-type')).toContain('text/markdown');
    expect(md.text).toContain('blocked drain at the underpass');
    expect(md.text).toContain('## Timeline');
  });

  it('replays everything a reconnecting operator missed with resume, in seq order', async () => {
    const all = op.messages.filter((m) => m.seq !== undefined && m.type !== 'hello');
    const late = await Operator.connect(svc.urls.ws);
    late.send({ type: 'resume', since: 0 });
    const last = all.at(-1)!.seq!;
    await late.next((m) => m.type !== 'hello' && m.seq === last);
    const replayed = late.messages.filter((m) => m.type !== 'hello');
    expect(replayed.map((m) => m.seq)).toEqual(all.map((m) => m.seq));
    expect(replayed.map((m) => m.type)).toEqual(all.map((m) => m.type));
    // …and then it is live.
    await publish(gateway, 'city/sensor/sensor-e2e-1/telemetry', { metrics: { waterLevel: 0.1 } }); // clear
    await publish(gateway, 'city/sensor/sensor-e2e-1/telemetry', { metrics: { waterLevel: 0.35 } });
    const live = await late.next((m) => m.type === 'alert' && (m.seq ?? 0) > last && (m.alert as { phase: string }).phase === 'raise');
    expect(live.alert).toMatchObject({ severity: 'yellow' });
    // The old incident is reviewed, so this one is new.
    const fresh = await late.next((m) => m.type === 'incident' && (m.incident as { id: string }).id !== incidentId);
    expect(fresh.incident).toMatchObject({ state: 'warning', severity: 'yellow' });
    late.close();
  });

  it('refuses a malformed payload on citysense/rejected while good messages keep flowing', async () => {
    const watcher = await connectMqtt(svc.urls.mqtt, { clientId: 'watcher-1' });
    const rejected: Array<{ topic: string; body: any }> = [];
    watcher.on('message', (topic, payload) => rejected.push({ topic, body: JSON.parse(payload.toString()) }));
    await watcher.subscribeAsync('citysense/rejected/#', { qos: 1 });
    const bad = await connectMqtt(svc.urls.mqtt, { clientId: 'sensor-bad-1' });
    await publish(bad, 'city/sensor/sensor-bad-1/telemetry', { metrics: { waterLevel: 'high' } });
    await publish(bad, 'city/sensor/sensor-bad-1/telemetry', '{not json');
    await publish(gateway, 'city/sensor/sensor-e2e-1/telemetry', { metrics: { waterLevel: 0.1 } });
    await publish(bad, 'city/sensor/sensor-bad-1/telemetry', { metrics: { waterLevel: 0.95 } });
    const got = await eventually(() => (rejected.length >= 2 ? rejected : undefined));
    expect(got[0]!.topic).toBe('citysense/rejected/sensor/sensor-bad-1');
    expect(got[0]!.body).toMatchObject({ topic: 'city/sensor/sensor-bad-1/telemetry' });
    expect(got[0]!.body.issues[0].path).toContain('metrics.waterLevel');
    expect(got[1]!.body.reason).toBeTruthy();
    // The same device's next good message and the other device's both went through.
    const alert = await op.next((m) => m.type === 'alert' && (m.alert as { deviceId: string }).deviceId === 'sensor-bad-1');
    expect(alert.alert).toMatchObject({ severity: 'red' });
    const rejectedLog = await api(svc.urls.http, '/api/rejected');
    expect(rejectedLog.json.count).toBeGreaterThanOrEqual(2);
    const metrics = await api(svc.urls.http, '/metrics', { token: null });
    expect(metrics.text).toMatch(/citysense_readings_refused_total\{reason="[a-z_]+"\} [1-9]/);
    // The alert raised by that reading was timed on its way from ingest to /ws.
    expect(metrics.text).toMatch(/^# TYPE citysense_alert_path_seconds summary$/m);
    expect(Number(/^citysense_alert_path_seconds_count (\d+)$/m.exec(metrics.text)?.[1])).toBeGreaterThanOrEqual(1);
    const p99 = Number(/^citysense_alert_path_seconds\{quantile="0.99"\} (\S+)$/m.exec(metrics.text)?.[1]);
    expect(p99).toBeGreaterThan(0);
    expect(p99).toBeLessThan(60);
    await bad.endAsync();
    await watcher.endAsync();
  });

  it('does not let a device publish under another device id', async () => {
    const before = (await api(svc.urls.http, '/api/incidents')).json.incidents.length;
    const watcher = await connectMqtt(svc.urls.mqtt, { clientId: 'watcher-2' });
    const rejected: string[] = [];
    watcher.on('message', (topic) => rejected.push(topic));
    await watcher.subscribeAsync('citysense/rejected/#', { qos: 1 });
    const mallory = await connectMqtt(svc.urls.mqtt, { clientId: 'sensor-mallory' });
    await publish(mallory, 'city/sensor/sensor-victim/telemetry', { metrics: { waterLevel: 0.99 } });
    await eventually(
      () => rejected.includes('citysense/rejected/sensor/sensor-victim') || rejected.includes('citysense/rejected/sensor/sensor-mallory'),
    );
    const after = await api(svc.urls.http, '/api/incidents');
    expect(after.json.incidents.length).toBe(before);
    expect(op.messages.some((m) => m.type === 'alert' && (m.alert as { deviceId: string }).deviceId === 'sensor-victim')).toBe(false);
    await mallory.endAsync();
    await watcher.endAsync();
  });

  it('needs the operator token on the API and /ws, but not on health and metrics', async () => {
    expect((await api(svc.urls.http, '/api/incidents', { token: null })).status).toBe(401);
    expect((await api(svc.urls.http, '/api/incidents', { token: 'wrong' })).status).toBe(401);
    expect((await api(svc.urls.http, '/api/health', { token: null })).json.status).toBe('ok');
    await expect(Operator.connect(svc.urls.ws, 'wrong')).rejects.toThrow(/401/);
  });

  it('answers bad requests with the error shape of the contract', async () => {
    const bad = await api(svc.urls.http, `/api/incidents/${incidentId}/actions`, { body: { action: 'explode', by: '' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.code).toBe('bad_request');
    expect(bad.json.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['action', 'by']);
    expect((await api(svc.urls.http, '/api/incidents/INC-nope/actions', { body: { action: 'acknowledge', by: 'x' } })).status).toBe(404);
    expect((await api(svc.urls.http, '/api/incidents?severity=purple')).status).toBe(400);
  });
});
