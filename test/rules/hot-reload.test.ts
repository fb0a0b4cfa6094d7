// Rule engineers' lifecycle on the real service (aedes, mqtt.js, ws, SQLite): PUT /api/rules
// validation, a `for` timer kept across a reload of an unrelated rule, reload on file change,
// rule state across a restart, and replay against the store the service wrote.
import { writeFileSync } from 'node:fs';
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReplay } from '../../app/replay.js';
import { Operator, api, connectMqtt, eventually, publish, startTestService, tempFile } from '../support/service.js';

const tempHigh = {
  id: 'temp-high',
  version: 1,
  name: 'Hot',
  kind: 'threshold',
  select: { kind: 'sensor', metric: 'temperature' },
  above: 60,
  for: '1500ms',
  severity: 'orange',
  category: 'fire',
};
const smoke = {
  id: 'smoke',
  version: 1,
  name: 'Smoke',
  kind: 'event',
  select: { event: 'smoke' },
  minConfidence: 0.7,
  severity: 'orange',
  category: 'fire',
};
const alertOf = (ruleId: string) => (m: { type: string; alert?: unknown }) =>
  m.type === 'alert' && (m.alert as { ruleId: string }).ruleId === ruleId;

describe('hot reload on the running service', () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let gateway: MqttClient;
  let op: Operator;
  const rulesPath = tempFile('rules.json', { rules: [tempHigh, smoke] });

  beforeAll(async () => {
    svc = await startTestService({ rules: rulesPath });
    gateway = await connectMqtt(svc.urls.mqtt, { clientId: 'temp-1' });
    op = await Operator.connect(svc.urls.ws);
  });
  afterAll(async () => {
    op?.close();
    await gateway?.endAsync();
    await svc?.stop();
  });

  it('refuses an invalid set with the rule id and path of each error; the old set keeps running', async () => {
    const bad = { rules: [tempHigh, { ...smoke, minConfidence: 2 }, { ...tempHigh, id: 'x', for: 'soon' }] };
    const r = await api(svc.urls.http, '/api/rules', { method: 'PUT', body: bad });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'invalid_rules' });
    expect(r.json.error.issues).toEqual([
      { path: 'rules[1].minConfidence', ruleId: 'smoke', message: expect.stringContaining('rules[1] (smoke): minConfidence:') },
      { path: 'rules[2].for', ruleId: 'x', message: expect.stringContaining('"soon"') },
    ]);
    const now = await api(svc.urls.http, '/api/rules');
    expect(now.json).toMatchObject({ version: 1, rules: [tempHigh, smoke] }); // as written: for is "1500ms"
    const health = await api(svc.urls.http, '/api/health', { token: null });
    expect(health.json.rules).toMatchObject({ count: 2, version: 1, hash: now.json.hash, lastError: { source: 'api', issues: 2 } });
  });

  it('keeps a running `for` timer across a reload of an unrelated rule', async () => {
    await publish(gateway, 'city/sensor/temp-1/telemetry', { metrics: { temperature: 70 } });
    // smoke changes (v2), temp-high is untouched: its timer, started by the reading above, goes on.
    const r = await api(svc.urls.http, '/api/rules', {
      method: 'PUT',
      body: { rules: [tempHigh, { ...smoke, version: 2, minConfidence: 0.8 }] },
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({ version: 2, kept: ['temp-high'], changed: ['smoke'] });
    // No further reading: only the kept state can raise now.
    const alert = await op.next(alertOf('temp-high'));
    expect(alert.alert).toMatchObject({ phase: 'raise', severity: 'orange', deviceId: 'temp-1', value: 70 });
  });

  it('reloads on a change of the rule file; a broken save is refused', async () => {
    writeFileSync(rulesPath, JSON.stringify({ rules: [tempHigh, smoke, { ...smoke, id: 'fire-seen', select: { event: 'fire' } }] }));
    const health = await eventually(async () => {
      const h = await api(svc.urls.http, '/api/health', { token: null });
      return h.json.rules.count === 3 ? h : undefined;
    });
    expect(health.json.rules).toMatchObject({ version: 3, source: `file:${rulesPath}` });
    expect(health.json.rules.lastError).toBeUndefined();
    // A broken save is refused; the 3 rules keep running.
    writeFileSync(rulesPath, '{"rules": [');
    await eventually(async () => (await api(svc.urls.http, '/api/health', { token: null })).json.rules.lastError);
    expect((await api(svc.urls.http, '/api/rules')).json.rules).toHaveLength(3);
  });

  it('replays the stored readings read-only while the service runs', async () => {
    const logs: string[] = [];
    const code = await runReplay([rulesPath.replace('rules.json', 'replay.json'), '--since', '1h', '--data-dir', svc.dataDir, '--json'], {
      log: (s) => logs.push(s),
      error: () => {},
    });
    expect(code).toBe(1); // no such rule file
    writeFileSync(rulesPath.replace('rules.json', 'replay.json'), JSON.stringify({ rules: [{ ...tempHigh, for: '0s' }] }));
    await eventually(async () => {
      logs.length = 0;
      await runReplay([rulesPath.replace('rules.json', 'replay.json'), '--since', '1h', '--data-dir', svc.dataDir, '--json'], {
        log: (s) => logs.push(s),
        error: () => {},
      });
      return JSON.parse(logs.join('')).readings >= 1;
    });
    expect(JSON.parse(logs.join('')).detections).toMatchObject([{ ruleId: 'temp-high', deviceId: 'temp-1', phase: 'raise' }]);
  });
});

describe('rule state across a restart', () => {
  it('a `for` timer started before a restart fires after it, on the reading from before', async () => {
    const rules = tempFile('rules.json', { rules: [{ ...tempHigh, for: '2s' }] });
    const first = await startTestService({ rules });
    const op1 = await Operator.connect(first.urls.ws);
    const gw = await connectMqtt(first.urls.mqtt, { clientId: 'temp-2' });
    const readingTs = Date.now();
    await publish(gw, 'city/sensor/temp-2/telemetry', { ts: readingTs, metrics: { temperature: 75 } }); // QoS 1: ingested when acked
    await gw.endAsync();
    op1.close();
    await first.stop(); // saves the rule state
    expect(op1.messages.filter((m) => m.type === 'alert')).toEqual([]);

    const second = await startTestService({ rules, dataDir: first.dataDir });
    try {
      const op2 = await Operator.connect(second.urls.ws);
      // Nothing is published to the new process: the alert can only come from the restored timer.
      const alert = await op2.next(alertOf('temp-high'));
      expect(alert.alert).toMatchObject({ deviceId: 'temp-2', value: 75, readingTs });
      expect((alert.alert as { ts: number }).ts).toBeGreaterThanOrEqual(readingTs + 2000);
      op2.close();
    } finally {
      await second.stop();
    }
  });
});
