// A camera whose clock is broken, end to end through the real service (aedes, mqtt.js 3.1.1,
// SQLite, HTTP): ts 1e300, a ts before 2000 and an ISO string that is no date are refused on
// citysense/rejected/… naming ts, and the CAP feed, the incident's CAP and its Markdown review
// stay 200 and valid; so they do over an incident an older version stored with ts 1e300.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningService } from '../../app/service.js';
import { openSqliteStore } from '../../store/index.js';
import { alertsInFeed, validateCaps } from '../unit/alerts/cap-validate.js';
import { makeEvent, makeIncident } from '../unit/store/fixtures.js';
import { api, connectMqtt, eventually, publish, startTestService } from '../support/service.js';

const BROKEN = /Invalid Date|NaN|e\+\d/;
type Rejection = { topic: string; reason: string; issues: Array<{ path: string; message: string }> };

describe('device timestamps outside the window (real service)', () => {
  let svc: RunningService & { dataDir: string };
  let cam: MqttClient;
  const rejections: Rejection[] = [];

  beforeAll(async () => {
    svc = await startTestService(); // the default rules: camera-fire opens a red fire incident
    cam = await connectMqtt(svc.urls.mqtt, { clientId: 'cam1' });
    cam.on('message', (_topic, payload) => rejections.push(JSON.parse(payload.toString()) as Rejection));
    await cam.subscribeAsync('citysense/rejected/camera/cam1', { qos: 1 });
  });
  afterAll(async () => {
    await cam?.endAsync();
    await svc?.stop();
  });

  /** The CAP feed, the incident's CAP and its Markdown review: each 200, valid, with no broken time. */
  async function formattersOf(id: string) {
    const feed = await api(svc.urls.http, '/api/cap');
    const cap = await api(svc.urls.http, `/api/incidents/${id}/cap`);
    const md = await api(svc.urls.http, `/api/incidents/${id}/review?format=md`);
    expect([feed.status, cap.status, md.status]).toEqual([200, 200, 200]);
    for (const text of [feed.text, cap.text, md.text]) expect(text).not.toMatch(BROKEN);
    const docs = Object.fromEntries([['incident', cap.text], ...alertsInFeed(feed.text).map((a, n) => [`feed-${n}`, a])]);
    const errors = await validateCaps(docs);
    expect(Object.values(errors).flat()).toEqual([]);
    return { feed: feed.text, cap: cap.text, md: md.text };
  }

  it('refuses ts 1e300, a ts before 2000 and a bad ISO date with a reason naming ts, and opens nothing', async () => {
    await publish(cam, 'city/camera/cam1/event', { type: 'fire', confidence: 0.9, ts: 1e300 });
    await publish(cam, 'city/camera/cam1/event', { type: 'fire', confidence: 0.9, ts: Date.UTC(1999, 11, 31, 23, 59, 59) });
    await publish(cam, 'city/camera/cam1/event', { type: 'fire', confidence: 0.9, ts: '2026-02-30T08:00:00+08:00' });
    await eventually(() => rejections.length >= 3);
    expect(rejections).toHaveLength(3);
    for (const r of rejections) {
      expect(r).toMatchObject({ topic: 'city/camera/cam1/event', reason: 'invalid_payload' });
      expect(r.issues.map((i) => i.path)).toEqual(['ts']);
    }
    expect(rejections[0]!.issues[0]!.message).toMatch(
      /^ts must be between 2000-01-01T00:00:00Z and 24 h after the broker received the message/,
    );
    expect(rejections[1]!.issues[0]!.message).toContain('2000-01-01T00:00:00Z');
    expect(rejections[2]!.issues[0]!.message).toContain('ISO-8601');
    expect((await api(svc.urls.http, '/api/incidents')).json.incidents).toEqual([]);
    const dead = await api(svc.urls.http, '/api/rejected');
    expect(dead.json.count).toBe(3);
  });

  it('opens the incident from a good clock, and the feed, its CAP and its review render', async () => {
    await publish(cam, 'city/camera/cam1/event', { type: 'fire', confidence: 0.9, ts: Date.now() });
    const [inc] = await eventually(async () => {
      const list = (await api(svc.urls.http, '/api/incidents')).json.incidents as Array<{ id: string; category: string }>;
      return list.length > 0 ? list : undefined;
    });
    expect(inc).toMatchObject({ category: 'fire' });
    const { md } = await formattersOf(inc!.id);
    expect(md).toContain('## Timeline');
  });

  it('renders an incident an older version stored with firstDetectionTs 1e300', async () => {
    await cam.endAsync();
    await svc.stop();
    // What main stored before ingest checked clocks: the event's ts became the incident's first detection.
    const store = openSqliteStore({ dataDir: svc.dataDir });
    const now = Date.now();
    const old = makeIncident({
      id: 'INC-OLD-1E300',
      category: 'fire',
      severity: 'red',
      createdAt: now,
      updatedAt: now,
      firstDetectionTs: 1e300,
      lastDetectionTs: 1e300,
    });
    store.incidents.insertIncident(old, makeEvent(old.id, { ts: now, actor: 'rule:camera-fire' }));
    await store.close();

    svc = await startTestService({ dataDir: svc.dataDir });
    cam = await connectMqtt(svc.urls.mqtt, { clientId: 'cam1' });
    const { feed, cap } = await formattersOf(old.id);
    expect(feed).toContain('citysense-INC-OLD-1E300-');
    expect(cap).toMatch(/<onset>\d{4}-\d\d-\d\dT/); // the opening time stands in for the device's
  });
});
