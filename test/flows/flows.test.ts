// Node-RED at /flows, as a rule engineer uses it: log in through the admin API, deploy the
// shipped example flow, and an MQTT reading becomes an incident on the operators' /ws — while
// the flow's `citysense incident` node reports it in the editor's debug sidebar (/flows/comms).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { MqttClient } from 'mqtt';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Operator, TOKEN, connectMqtt, eventually, publish, startTestService, tempFile } from '../support/service.js';

const EXAMPLE = JSON.parse(readFileSync(join(import.meta.dirname, '../../flows/examples/drain-overflow.json'), 'utf8')) as unknown[];
const devices = tempFile(
  'devices.yaml',
  [
    'devices:',
    '  - { id: drain-07, kind: sensor, password: drain-07-pass, district: huangpu, loc: { lat: 31.2304, lon: 121.4737 } }',
    '  - { id: drain-99, kind: sensor, password: drain-99-pass, district: pudong, loc: { lat: 31.2204, lon: 121.5437 } }',
  ].join('\n'),
);
// No rules: every incident here comes from the flow.
const rules = tempFile('rules.yaml', 'rules: []\n');

let svc: Awaited<ReturnType<typeof startTestService>>;
const clients: MqttClient[] = [];
beforeAll(async () => {
  svc = await startTestService({ devices, rules, flows: { enabled: true } });
}, 60_000);
afterAll(async () => {
  for (const c of clients) await c.endAsync();
  await svc?.stop();
});

const login = (password: string) =>
  fetch(`${svc.urls.http}/flows/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password }),
  });

/** The editor's comms socket, logged in and subscribed to the debug sidebar. */
async function debugSidebar(accessToken: string) {
  const ws = new WebSocket(`${svc.urls.http.replace('http', 'ws')}/flows/comms`);
  const seen: Array<{ topic: string; data: { msg?: string } }> = [];
  let authed: (ok: boolean) => void = () => {};
  const auth = new Promise<boolean>((r) => (authed = r));
  ws.on('message', (raw) => {
    const m = JSON.parse(raw.toString()) as unknown;
    if (!Array.isArray(m)) return authed((m as { auth?: string }).auth === 'ok');
    seen.push(...(m as typeof seen));
  });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  ws.send(JSON.stringify({ auth: accessToken }));
  expect(await auth).toBe(true);
  ws.send(JSON.stringify({ subscribe: 'debug' }));
  return { ws, seen };
}

describe('Node-RED flows', () => {
  it('serves the editor, and refuses the admin API without credentials or with a wrong password', async () => {
    const editor = await fetch(`${svc.urls.http}/flows/`);
    expect(editor.status).toBe(200);
    expect(await editor.text()).toContain('citysense flows');
    expect((await fetch(`${svc.urls.http}/flows/flows`)).status).toBe(401);
    const deploy = await fetch(`${svc.urls.http}/flows/flows`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '[]',
    });
    expect(deploy.status).toBe(401);
    // The operator token is not an admin token for Node-RED.
    expect((await fetch(`${svc.urls.http}/flows/flows`, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(401);
    expect((await login('wrong-password-123')).status).toBe(403);
    // Node-RED's HTTP-in endpoints are off; the rest of the service is untouched.
    expect((await fetch(`${svc.urls.http}/api/health`)).status).toBe(200);
  });

  it('deploys the example flow through the admin API; an MQTT reading becomes an incident on /ws', async () => {
    const res = await login(TOKEN);
    expect(res.status).toBe(200);
    const { access_token: accessToken } = (await res.json()) as { access_token: string };
    const admin = { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json', 'Node-RED-Deployment-Type': 'full' };
    const deployed = await fetch(`${svc.urls.http}/flows/flows`, { method: 'POST', headers: admin, body: JSON.stringify(EXAMPLE) });
    expect(deployed.status).toBe(204);
    const back = (await (await fetch(`${svc.urls.http}/flows/flows`, { headers: admin })).json()) as Array<{ type: string }>;
    expect(back.map((n) => n.type)).toEqual(expect.arrayContaining(['citysense in', 'citysense alert', 'citysense incident']));

    const op = await Operator.connect(svc.urls.ws);
    const sidebar = await debugSidebar(accessToken);
    const pudong = await connectMqtt(svc.urls.mqtt, { clientId: 'drain-99', username: 'drain-99', password: 'drain-99-pass' });
    const huangpu = await connectMqtt(svc.urls.mqtt, { clientId: 'drain-07', username: 'drain-07', password: 'drain-07-pass' });
    clients.push(pudong, huangpu);

    // Outside the flow's district, and below its level: nothing.
    await publish(pudong, 'city/sensor/drain-99/telemetry', { metrics: { waterLevel: 0.95 } });
    await publish(huangpu, 'city/sensor/drain-07/telemetry', { metrics: { waterLevel: 0.5 } });
    await publish(huangpu, 'city/sensor/drain-07/telemetry', { metrics: { waterLevel: 0.8 } });
    const opened = await op.next((m) => m.type === 'incident' && (m.event as { type: string }).type === 'opened');
    const incident = opened.incident as Record<string, unknown>;
    expect(incident).toMatchObject({
      state: 'warning',
      severity: 'orange',
      category: 'flood',
      ruleId: 'flow:drain-overflow',
      dedupKey: 'flow:drain-overflow:drain-07',
      deviceId: 'drain-07',
      district: 'huangpu',
      department: 'water-affairs',
    });
    const alert = op.messages.find((m) => m.type === 'alert')!.alert as Record<string, unknown>;
    expect(alert).toMatchObject({
      ruleKind: 'flow',
      metric: 'waterLevel',
      value: 0.8,
      message: 'drain drain-07 overflowing: water level 0.8 m',
    });

    // Higher: the same incident escalates to red (the function set msg.alert.severity).
    await publish(huangpu, 'city/sensor/drain-07/telemetry', { metrics: { waterLevel: 0.93 } });
    const escalated = await op.next((m) => m.type === 'incident' && (m.event as { type: string }).type === 'escalated');
    expect(escalated.incident).toMatchObject({ id: incident.id, severity: 'red', detections: 2 });
    const incidents = op.messages.filter((m) => m.type === 'incident').map((m) => m.incident as { id: string; deviceId: string });
    expect(new Set(incidents.map((i) => i.id))).toEqual(new Set([incident.id]));

    // The `citysense incident` → debug branch saw both changes, through /flows/comms.
    const debug = await eventually(() => {
      const mine = sidebar.seen.filter((m) => m.topic === 'debug' && m.data.msg?.includes(String(incident.id)));
      return mine.length >= 2 ? mine : undefined;
    });
    expect(debug.map((m) => JSON.parse(m.data.msg!).topic)).toEqual(['opened', 'escalated']);
    sidebar.ws.close();
    op.close();
  });
});
