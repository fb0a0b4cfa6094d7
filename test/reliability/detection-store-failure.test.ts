// A detection survives a failing store (docs/operations.md § Durability). The real service, mqtt.js and
// SQLite: a second connection holds the write lock of the service's store file, so the incident
// transaction fails with SQLITE_BUSY, and lets it go. A short busy timeout keeps each failed try
// short (it blocks the service's thread while it waits).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_FILE_NAME } from '../../store/index.js';
import { Operator, api, connectMqtt, eventually, publish, startTestService, tempFile } from '../support/service.js';

const RULES = {
  rules: [
    {
      id: 'water-high',
      version: 1,
      name: '积水超限',
      kind: 'threshold',
      select: { kind: 'sensor', metric: 'waterLevel' },
      above: 0.5,
      severity: 'orange',
      category: 'flood',
    },
  ],
};

/** Hold the write lock of the service's store from a connection of our own until released. */
function lockStore(dataDir: string) {
  const db = new Database(join(dataDir, DB_FILE_NAME), { timeout: 5000 });
  db.exec('BEGIN EXCLUSIVE');
  return {
    release() {
      db.exec('ROLLBACK');
      db.close();
    },
  };
}

/** One sample of /metrics, or 0 when the series is not there. */
async function metric(http: string, series: string): Promise<number> {
  const text = (await api(http, '/metrics', { token: null })).text;
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.slice(series.length + 1)) : 0;
}

const incidentsOf = async (http: string) => (await api(http, '/api/incidents')).json.incidents as Array<Record<string, unknown>>;

async function start(detectionRetry: Record<string, unknown>, device: string) {
  const svc = await startTestService({ rules: tempFile('rules.json', RULES), storeBusyTimeout: '50ms', detectionRetry });
  const gateway = await connectMqtt(svc.urls.mqtt, { clientId: device });
  const op = await Operator.connect(svc.urls.ws);
  return { svc, gateway, op };
}

describe('a detection whose incident transaction fails for a while', () => {
  const device = 'sensor-busy-1';
  let t: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    // Tries enough to outlast the test's polling by far: this case is about the retry, not giving up.
    t = await start({ attempts: 100, delay: '100ms', maxDelay: '200ms' }, device);
  });
  afterAll(async () => {
    t?.op.close();
    await t?.gateway.endAsync();
    await t?.svc.stop();
  });

  it('opens its incident once the store takes writes again, and /metrics shows the retry', async () => {
    const http = t.svc.urls.http;
    const lock = lockStore(t.svc.dataDir);
    try {
      await publish(t.gateway, `city/sensor/${device}/telemetry`, { metrics: { waterLevel: 0.7 } });
      await eventually(async () => (await metric(http, 'citysense_detection_retries_total{rule="water-high"}')) >= 1);
      // The lock held: nothing reached the store or the operator yet, and the detection waits.
      expect(await incidentsOf(http)).toEqual([]);
      expect(t.op.messages.filter((m) => m.type === 'incident' || m.type === 'alert')).toEqual([]);
      expect(await metric(http, 'citysense_detections_waiting')).toBe(1);
    } finally {
      lock.release();
    }
    const opened = await t.op.next((m) => m.type === 'incident');
    expect(opened.incident).toMatchObject({ state: 'warning', ruleId: 'water-high', deviceId: device, severity: 'orange' });
    expect(await t.op.next((m) => m.type === 'alert')).toMatchObject({ alert: { ruleId: 'water-high', deviceId: device, phase: 'raise' } });
    expect(await incidentsOf(http)).toMatchObject([{ ruleId: 'water-high', deviceId: device }]);
    expect(await metric(http, 'citysense_detections_waiting')).toBe(0);
    expect(await metric(http, 'citysense_detections_failed_total{rule="water-high",reason="exhausted"}')).toBe(0);
    expect((await api(http, '/api/health', { token: null })).json).toMatchObject({ status: 'ok', detections: { ok: true } });
  });
});

describe('a detection whose incident transaction fails past its retries', () => {
  const device = 'sensor-busy-2';
  let t: Awaited<ReturnType<typeof start>>;
  beforeAll(async () => {
    t = await start({ attempts: 3, delay: '50ms', maxDelay: '100ms' }, device);
  });
  afterAll(async () => {
    t?.op.close();
    await t?.gateway.endAsync();
    await t?.svc.stop();
  });

  it('degrades health, and the next crossing after the store recovers opens the incident', async () => {
    const http = t.svc.urls.http;
    const lock = lockStore(t.svc.dataDir);
    let health: { status: string; detections: { ok: boolean; reason?: string } };
    try {
      await publish(t.gateway, `city/sensor/${device}/telemetry`, { metrics: { waterLevel: 0.7 } });
      health = await eventually(async () => {
        const h = (await api(http, '/api/health', { token: null })).json;
        return h.status === 'degraded' ? h : undefined;
      });
      expect(await metric(http, 'citysense_detections_failed_total{rule="water-high",reason="exhausted"}')).toBe(1);
      expect(await metric(http, 'citysense_detection_retries_total{rule="water-high"}')).toBe(2);
    } finally {
      lock.release();
    }
    expect(health.detections.ok).toBe(false);
    expect(health.detections.reason).toContain(`rule water-high on device ${device}`);
    expect(health.detections.reason).toMatch(/locked|busy/i);
    expect(await incidentsOf(http)).toEqual([]);

    // Still above the threshold: only a rule that forgot its raise raises again on this reading.
    await publish(t.gateway, `city/sensor/${device}/telemetry`, { metrics: { waterLevel: 0.7 } });
    const opened = await t.op.next((m) => m.type === 'incident');
    expect(opened.incident).toMatchObject({ state: 'warning', ruleId: 'water-high', deviceId: device });
    expect(await incidentsOf(http)).toHaveLength(1);
    expect((await api(http, '/api/health', { token: null })).json).toMatchObject({ status: 'ok', detections: { ok: true } });
  });
});
