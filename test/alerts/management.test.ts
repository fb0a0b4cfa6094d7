// Alert management end to end, as a gateway and an operator see it: silences, inhibition and
// escalation over MQTT → /ws, CAP 1.2 (validated against the OASIS schema) and 综合评价 over HTTP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import {
  type Operator as Op,
  type WsMessage,
  Operator,
  api,
  connectMqtt,
  eventually,
  publish,
  startTestService,
  tempFile,
} from '../support/service.js';
import { alertsInFeed, tag, validateCaps } from '../unit/alerts/cap-validate.js';

const RULES = {
  rules: [
    {
      id: 'water-high',
      version: 1,
      name: '积水超限',
      kind: 'threshold',
      select: { metric: 'waterLevel' },
      above: 0.5,
      clear: { below: 0.4 },
      severity: 'orange',
      category: 'flood',
    },
    {
      id: 'rain-heavy',
      version: 1,
      name: '强降雨',
      kind: 'threshold',
      select: { metric: 'rain' },
      above: 30,
      severity: 'yellow',
      category: 'flood',
    },
  ],
};
const ROUTING = {
  default: { department: 'city-operations-center' },
  routes: [
    { category: 'flood', department: 'water-affairs', deadlines: { orange: { acknowledge: '300ms', arrive: '1h', resolve: '2h' } } },
  ],
  escalation: { interval: '300ms', maxReminders: 1 },
};
const INSPECTOR = 'inspector-token-0123456789';
const HERE = { lat: 31.2304, lon: 121.4737 };
const FAR = { lat: 31.3, lon: 121.6 };

type Svc = Awaited<ReturnType<typeof startTestService>>;
let svc: Svc;
let op: Op;
let dev: MqttClient;
const eventType = (m: WsMessage) => (m.event as { type?: string } | undefined)?.type;
const muted = async (reason: string) => {
  const text = (await api(svc.urls.http, '/metrics', { token: null })).text;
  return Number(new RegExp(`citysense_detections_muted_total\\{reason="${reason}"[^}]*\\} (\\d+)`).exec(text)?.[1] ?? 0);
};

beforeAll(async () => {
  svc = await startTestService({
    rules: tempFile('rules.json', RULES),
    routing: tempFile('routing.json', ROUTING),
    // 核查结案 needs a principal other than the one that gave the feedback.
    tokens: [{ name: 'inspector', token: INSPECTOR, role: 'operator' }],
  });
  op = await Operator.connect(svc.urls.ws);
  dev = await connectMqtt(svc.urls.mqtt, { clientId: 'gateway-1' });
});
afterAll(async () => {
  op?.close();
  await dev?.endAsync();
  await svc?.stop();
});

describe('alert management over MQTT, /ws and HTTP', () => {
  it('a silence mutes a device until it is deleted; then alerts flow again', async () => {
    const bad = await api(svc.urls.http, '/api/silences', { body: { matchers: {}, createdBy: 'op', comment: 'x', duration: '1h' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues[0].path).toBe('matchers');
    const created = await api(svc.urls.http, '/api/silences', {
      body: { matchers: { device: 'sensor-s*' }, createdBy: 'op-li', comment: 'pump maintenance', duration: '1h' },
    });
    expect(created.status).toBe(201);
    const id = created.json.id as string;
    expect((await api(svc.urls.http, '/api/silences?state=active')).json.silences.map((s: { id: string }) => s.id)).toEqual([id]);

    const s1 = await connectMqtt(svc.urls.mqtt, { clientId: 'sensor-s1' });
    await publish(s1, 'city/sensor/sensor-s1/telemetry', { metrics: { waterLevel: 0.9 }, loc: FAR });
    await eventually(async () => (await muted('silence')) === 1);
    expect(op.messages.some((m) => m.type === 'alert' && (m.alert as { deviceId: string }).deviceId === 'sensor-s1')).toBe(false);
    expect((await api(svc.urls.http, '/api/incidents')).json.incidents).toEqual([]);

    const deleted = await api(svc.urls.http, `/api/silences/${id}?by=op-li`, { method: 'DELETE' });
    expect(deleted.json).toMatchObject({ id, expiredBy: 'op-li' });
    // The level is still high and the rule still raised: the muted raise is pushed now, with no new reading.
    const alert = await op.next((m) => m.type === 'alert' && (m.alert as { deviceId: string; phase: string }).phase === 'raise');
    expect(alert.alert).toMatchObject({ deviceId: 'sensor-s1', severity: 'orange' });
    const opened = await op.next((m) => m.type === 'incident' && (m.incident as { deviceId?: string }).deviceId === 'sensor-s1');
    expect((opened.event as { note: string }).note).toContain(`muted by silence ${id}`);
    // Pushed once, when the silence ended: never while it was muted.
    expect(op.messages.filter((m) => m.type === 'alert' && (m.alert as { deviceId: string }).deviceId === 'sensor-s1')).toHaveLength(1);
    await s1.endAsync();
  });

  it('inhibits a lower detection in the grid of an open orange incident, then escalates the missed deadline', async () => {
    const a = await connectMqtt(svc.urls.mqtt, { clientId: 'sensor-a' });
    await publish(a, 'city/sensor/sensor-a/telemetry', { metrics: { waterLevel: 0.8 }, loc: HERE });
    const opened = await op.next((m) => m.type === 'incident' && (m.incident as { deviceId?: string }).deviceId === 'sensor-a');
    const id = (opened.incident as { id: string }).id;
    await a.endAsync();

    const b = await connectMqtt(svc.urls.mqtt, { clientId: 'sensor-b' });
    await publish(b, 'city/sensor/sensor-b/telemetry', { metrics: { rain: 50 }, loc: HERE });
    const inhibited = await op.next((m) => m.type === 'incident' && eventType(m) === 'inhibited');
    expect(inhibited.incident).toMatchObject({ id, inhibited: 1 });
    expect(inhibited.event).toMatchObject({ data: { deviceId: 'sensor-b', severity: 'yellow' } });
    expect(op.messages.some((m) => m.type === 'alert' && (m.alert as { deviceId: string }).deviceId === 'sensor-b')).toBe(false);
    expect(await muted('inhibition')).toBe(1);
    await b.endAsync();

    // acknowledge within 300 ms was missed: overdue → escalation to the office → one reminder.
    const esc = await op.next((m) => m.type === 'incident' && eventType(m) === 'escalation' && (m.incident as { id: string }).id === id);
    expect(esc.event).toMatchObject({ actor: 'system', data: { deadline: 'acknowledge', to: ['city-operations-center'] } });
    await op.next((m) => m.type === 'incident' && eventType(m) === 'reminder' && (m.incident as { id: string }).id === id);
    const timeline = (await api(svc.urls.http, `/api/incidents/${id}`)).json.timeline.map((e: { type: string }) => e.type);
    expect(timeline.filter((t: string) => ['overdue', 'escalation', 'reminder'].includes(t))).toEqual([
      'overdue',
      'escalation',
      'reminder',
    ]);
  });

  it('serves CAP 1.2 (Alert, Update, Cancel) and a CAP feed, each valid against the OASIS schema', async () => {
    const list = (await api(svc.urls.http, '/api/incidents?state=warning')).json.incidents as Array<{ id: string; deviceId: string }>;
    const id = list.find((i) => i.deviceId === 'sensor-a')!.id;
    const alert = await api(svc.urls.http, `/api/incidents/${id}/cap`);
    expect(alert.status).toBe(200);
    expect(alert.headers.get('content-type')).toBe('application/cap+xml; charset=utf-8');
    await api(svc.urls.http, `/api/incidents/${id}/actions`, { body: { action: 'acknowledge', by: 'op-li' } });
    const update = await api(svc.urls.http, `/api/incidents/${id}/cap`);
    await api(svc.urls.http, `/api/incidents/${id}/actions`, { body: { action: 'false_alarm', by: 'op-li' } });
    const cancel = await api(svc.urls.http, `/api/incidents/${id}/cap`);
    expect([alert, update, cancel].map((r) => tag(r.text, 'msgType')[0])).toEqual(['Alert', 'Update', 'Cancel']);
    expect(tag(cancel.text, 'references')[0]!.split(' ')).toHaveLength(2);
    const feed = await api(svc.urls.http, '/api/cap');
    expect(feed.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const entries = alertsInFeed(feed.text);
    expect(entries.length).toBeGreaterThanOrEqual(2);
    const docs = {
      alert: alert.text,
      update: update.text,
      cancel: cancel.text,
      ...Object.fromEntries(entries.map((x, i) => [`feed${i}`, x])),
    };
    const errors = await validateCaps(docs);
    expect(Object.values(errors).flat()).toEqual([]);
    expect((await api(svc.urls.http, '/api/incidents/INC-NOPE/cap')).status).toBe(404);
  });

  it('keeps satisfaction from close and reports 综合评价 as JSON and CSV', async () => {
    const r = await api(svc.urls.http, '/api/incidents', {
      body: { category: 'flood', title: '路面积水', grid: 'G-1-1', source: 'hotline_12345', by: 'op-7' },
    });
    const id = r.json.id as string;
    for (const [action, by] of [
      ['acknowledge', 'op-7'],
      ['dispatch', 'op-7'],
      ['feedback', 'crew-wang'],
    ]) {
      expect((await api(svc.urls.http, `/api/incidents/${id}/actions`, { body: { action, by } })).status).toBe(200);
    }
    const wrong = await api(svc.urls.http, `/api/incidents/${id}/actions`, {
      token: INSPECTOR,
      body: { action: 'close', by: 'inspector', satisfaction: 101 },
    });
    expect(wrong.json.error.issues[0].path).toBe('satisfaction');
    const closed = await api(svc.urls.http, `/api/incidents/${id}/actions`, {
      token: INSPECTOR,
      body: { action: 'close', by: 'inspector', satisfaction: 90 },
    });
    expect(closed.json).toMatchObject({ state: 'closed', satisfaction: 90 });

    const ev = await api(svc.urls.http, '/api/evaluation?groupBy=source');
    expect(ev.status).toBe(200);
    const hotline = ev.json.rows.find((row: { group: string }) => row.group === 'hotline_12345');
    expect(hotline).toMatchObject({ incidents: 1, manual: 1, closed: 1, closureRate: 1, satisfaction: { n: 1, average: 90, met: true } });
    // sensor-s1's once-silenced flood, sensor-a's and sensor-b's (opened when sensor-a's closed), the report.
    expect(ev.json.total).toMatchObject({ incidents: 4, falseAlarms: 1 });

    const csv = await api(svc.urls.http, '/api/evaluation?groupBy=department&period=month&format=csv');
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    const lines = csv.text.trimEnd().split('\r\n');
    expect(lines[0]!.startsWith('period,group,incidents,')).toBe(true);
    expect(lines.at(-1)!.startsWith('total,all,4,')).toBe(true);
    const bad = await api(svc.urls.http, '/api/evaluation?groupBy=colour');
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues[0].path).toBe('groupBy');
  });
});
