// What operators rely on beyond the happy path: filtered subscriptions, ack over /ws,
// overdue deadlines (吹哨报到), manual reports, and nothing lost across a restart.
import { afterEach, describe, expect, it } from 'vitest';
import type { RunningService } from '../../app/service.js';
import { Operator, api, connectMqtt, eventually, publish, startTestService, tempFile } from '../support/service.js';

const RULES = {
  rules: [
    {
      id: 'water-high',
      version: 1,
      name: '积水超限',
      kind: 'threshold',
      select: { metric: 'waterLevel' },
      above: 0.5,
      severity: 'orange',
      category: 'flood',
    },
    {
      id: 'gas-leak',
      version: 1,
      name: '燃气泄漏',
      kind: 'threshold',
      select: { metric: 'gas' },
      above: 20,
      severity: 'red',
      category: 'gas',
    },
  ],
};

const started: Array<RunningService> = [];
afterEach(async () => {
  for (const s of started.splice(0)) await s.stop();
});

async function start(overrides: Parameters<typeof startTestService>[0] = {}) {
  const svc = await startTestService({ rules: tempFile('rules.json', RULES), ...overrides });
  started.push(svc);
  return svc;
}

describe('operators on /ws and HTTP', () => {
  it('delivers only what a subscription filter asks for, and acks over /ws', async () => {
    const svc = await start();
    const gasDesk = await Operator.connect(svc.urls.ws);
    gasDesk.send({ type: 'subscribe', filter: { category: 'gas', severity: ['red', 'orange'] } });
    await gasDesk.next((m) => m.type === 'subscribed');
    const dev = await connectMqtt(svc.urls.mqtt, { clientId: 'sensor-f1' });
    await publish(dev, 'city/sensor/sensor-f1/telemetry', { metrics: { waterLevel: 0.9 } });
    await publish(dev, 'city/sensor/sensor-f1/telemetry', { metrics: { gas: 35 } });
    const gasAlert = await gasDesk.next((m) => m.type === 'alert');
    expect(gasAlert.alert).toMatchObject({ category: 'gas', severity: 'red' });
    const inc = await gasDesk.next((m) => m.type === 'incident');
    expect(
      gasDesk.messages
        .filter((m) => m.type === 'alert' || m.type === 'incident')
        .every((m) => ((m.alert ?? m.incident) as { category: string }).category === 'gas'),
    ).toBe(true);

    const id = (inc.incident as { id: string }).id;
    gasDesk.send({ type: 'ack', incidentId: id, by: 'op-gas' });
    expect(await gasDesk.next((m) => m.type === 'ack')).toMatchObject({ ok: true, incidentId: id });
    await gasDesk.next((m) => m.type === 'incident' && (m.incident as { state: string }).state === 'acknowledged');
    gasDesk.send({ type: 'ack', incidentId: id, by: 'op-gas' });
    expect(await gasDesk.next((m) => m.type === 'ack' && m.ok === false)).toMatchObject({ error: { code: 'invalid_transition' } });

    gasDesk.send({ type: 'resume', since: 'yesterday' });
    const err = await gasDesk.next((m) => m.type === 'error');
    expect(err.error).toMatchObject({ code: 'bad_message', issues: [{ path: 'since' }] });
    gasDesk.ws.send('not json');
    await gasDesk.next((m) => m.type === 'error' && (m.error as { code: string }).code === 'bad_json');
    // The connection survived both.
    await publish(dev, 'city/sensor/sensor-f1/telemetry', { metrics: { gas: 1 } });
    await gasDesk.next((m) => m.type === 'alert' && (m.alert as { phase: string }).phase === 'clear');
    gasDesk.close();
    await dev.endAsync();
  });

  it('reports a missed deadline as overdue (吹哨报到)', async () => {
    const routing = tempFile('routing.yaml', {
      default: { department: 'city-operations-center' },
      routes: [
        { category: 'flood', department: 'water-affairs', deadlines: { orange: { acknowledge: '300ms', arrive: '1h', resolve: '2h' } } },
      ],
    });
    const svc = await start({ routing });
    const op = await Operator.connect(svc.urls.ws);
    const dev = await connectMqtt(svc.urls.mqtt, { clientId: 'sensor-o1' });
    await publish(dev, 'city/sensor/sensor-o1/telemetry', { metrics: { waterLevel: 0.7 } });
    const overdue = await op.next((m) => m.type === 'incident' && (m.event as { type: string }).type === 'overdue');
    expect(overdue.event).toMatchObject({ actor: 'system', data: { deadline: 'acknowledge', department: 'water-affairs' } });
    expect(overdue.incident).toMatchObject({ overdue: ['acknowledge'], state: 'warning' });
    op.close();
    await dev.endAsync();
  });

  it('takes a manual report (社区吹哨) through the same lifecycle', async () => {
    const svc = await start();
    const bad = await api(svc.urls.http, '/api/incidents', {
      body: { category: 'gas', title: 'smell of gas', source: 'hotline_12345', by: 'op-7' },
    });
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues[0].path).toBe('loc');
    const r = await api(svc.urls.http, '/api/incidents', {
      body: {
        category: 'gas',
        title: '闻到燃气味',
        severity: 'orange',
        loc: { lat: 31.2304, lon: 121.4737 },
        source: 'hotline_12345',
        by: 'op-7',
        description: 'caller at No. 8',
      },
    });
    expect(r.status).toBe(201);
    expect(r.json).toMatchObject({ state: 'warning', source: 'hotline_12345', department: 'gas-utility', reportedBy: 'op-7' });
    expect(r.json.grid).toBeTruthy();
    const ack = await api(svc.urls.http, `/api/incidents/${r.json.id}/actions`, {
      body: { action: 'false_alarm', by: 'op-7', note: 'kitchen' },
    });
    expect(ack.json.state).toBe('false_alarm');
  });

  it('keeps incidents, telemetry and the alert log across a graceful restart, and resumes after it', async () => {
    const first = await start();
    const dataDir = first.dataDir;
    const op = await Operator.connect(first.urls.ws);
    const dev = await connectMqtt(first.urls.mqtt, { clientId: 'sensor-r1' });
    const ts = Date.now() - 500;
    await publish(dev, 'city/sensor/sensor-r1/telemetry', { ts, metrics: { waterLevel: 0.8 } });
    const inc = await op.next((m) => m.type === 'incident');
    const lastSeq = inc.seq!;
    await dev.endAsync();
    op.close();
    await first.stop();
    started.splice(started.indexOf(first), 1);

    const second = await start({ dataDir });
    const id = (inc.incident as { id: string }).id;
    expect((await api(second.urls.http, `/api/incidents/${id}`)).json.state).toBe('warning');
    const review = await api(second.urls.http, `/api/incidents/${id}/review`);
    expect(review.json.telemetry.series[0].points).toContainEqual({ ts, value: 0.8 });
    const again = await Operator.connect(second.urls.ws);
    expect(again.messages[0]).toMatchObject({ type: 'hello', seq: lastSeq });
    again.send({ type: 'resume', since: lastSeq - 1 });
    expect(await again.next((m) => m.type === 'incident')).toMatchObject({ seq: lastSeq });
    // New messages continue the same sequence.
    await api(second.urls.http, `/api/incidents/${id}/actions`, { body: { action: 'acknowledge', by: 'op' } });
    const next = await again.next((m) => m.type === 'incident' && (m.seq ?? 0) > lastSeq);
    expect(next.seq).toBe(lastSeq + 1);
    again.close();
  });

  it('refuses to start on an invalid rule file, naming the rule and path', async () => {
    const rules = tempFile('bad.json', {
      rules: [
        { id: 'x', version: 1, name: 'x', kind: 'threshold', select: { metric: 'm' }, above: 'high', severity: 'red', category: 'c' },
      ],
    });
    await expect(startTestService({ rules })).rejects.toThrow(/x.*above/);
  });
});

describe('eventually helper', () => {
  it('gives up after its bound', async () => {
    await expect(eventually(() => false, 100)).rejects.toThrow('condition not met');
  });
});
