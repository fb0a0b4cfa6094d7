// POST /api/incidents/{id}/replay through the real service: the rule that fired, replayed over
// the frozen evidence by the live rule operators, reproduces the live detections exactly; a
// tighter candidate would not have raised; a bad candidate is refused naming the rule path.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runReplay } from '../../app/replay.js';
import { api, connectMqtt, eventually, publish, startTestService, tempFile } from '../support/service.js';

const rule = (yellow: number, orange: number) => ({
  id: 'water-high',
  version: 2,
  name: '积水超限',
  kind: 'threshold',
  select: { kind: 'sensor', metric: 'waterLevel' },
  levels: [
    { severity: 'yellow', above: yellow },
    { severity: 'orange', above: orange },
  ],
  clear: { below: 0.25 },
  category: 'flood',
});

const REVIEWER = 'reviewer-token-0123456789';
const OPERATOR = 'duty-operator-token-0123456789';

describe('replay of an incident over its evidence', () => {
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let gw: MqttClient;
  let id: string;
  const t0 = Date.now() - 120_000;
  const replayOf = (rules: unknown[]) => api(svc.urls.http, `/api/incidents/${id}/replay`, { body: { rules } });

  beforeAll(async () => {
    svc = await startTestService({
      rules: tempFile('rules.json', { rules: [rule(0.3, 0.5)] }),
      review: { evidenceAfter: '50ms' },
      tokens: [
        { name: 'reviewer-zhou', token: REVIEWER, role: 'admin' },
        { name: 'duty-op', token: OPERATOR, role: 'operator' },
      ],
    });
    gw = await connectMqtt(svc.urls.mqtt, { clientId: 'rp-1' });
    for (const [i, v] of [0.1, 0.35, 0.6, 0.2, 0.45, 0.1].entries())
      await publish(gw, 'city/sensor/rp-1/telemetry', { ts: t0 + i * 1000, metrics: { waterLevel: v } });
    id = await eventually(async () => {
      const inc = (await api(svc.urls.http, '/api/incidents')).json.incidents[0];
      return inc?.detections === 3 ? (inc.id as string) : undefined;
    });
    await api(svc.urls.http, `/api/incidents/${id}/actions`, {
      body: { action: 'false_alarm', by: 'op-li', note: 'wave from a passing truck' },
    });
    await eventually(async () => (await api(svc.urls.http, `/api/incidents/${id}/review`)).json.evidence.status === 'frozen');
  });
  afterAll(async () => {
    await gw?.endAsync();
    await svc?.stop();
  });

  it('reproduces the live detections exactly with the rule that fired', async () => {
    const r = await replayOf([rule(0.3, 0.5)]);
    expect(r.status).toBe(200);
    expect(r.json.evidence).toMatchObject({ status: 'frozen', readings: 6, downsampled: false });
    const timeline = (await api(svc.urls.http, `/api/incidents/${id}`)).json.timeline;
    const live = timeline
      .filter((e: { data?: { readingTs?: number } }) => e.data?.readingTs !== undefined)
      .map((e: { type: string; data: { severity: string; readingTs: number; value: number } }) => [
        e.type === 'cleared' ? 'clear' : 'raise',
        e.data.severity,
        e.data.readingTs,
        e.data.value,
      ]);
    expect(live).toHaveLength(5); // opened, escalated, cleared, detection (raised again), cleared
    const replayed = r.json.current.detections.map((d: { phase: string; severity: string; readingTs: number; value: number }) => [
      d.phase,
      d.severity,
      d.readingTs,
      d.value,
    ]);
    expect(replayed).toEqual(live);
    expect(r.json.current.reproducesLive).toBe(true);
    expect(r.json.current.summary).toMatchObject({ raised: true, raisedAt: t0 + 1000, clearedAt: t0 + 3000, severity: 'orange' });
  });

  it('says a tighter candidate would not have raised, and a milder one when it would have', async () => {
    const tight = await replayOf([rule(0.7, 0.9)]);
    expect(tight.json.candidate).toMatchObject({ detections: [], summary: { raised: false } });
    expect(tight.json.verdict).toBe('would not have raised');
    const later = await replayOf([rule(0.4, 0.5)]);
    expect(later.json.candidate.summary).toMatchObject({ raised: true, raisedAt: t0 + 2000 });
    expect(later.json.verdict).toBe('would have raised 1 s later');
  });

  it('refuses a bad candidate naming the rule path, and a body without rules naming rules', async () => {
    const bad = await replayOf([{ ...rule(0.3, 0.5), levels: [{ severity: 'yellow', above: 'high' }] }]);
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues[0].path).toBe('rules[0].levels[0].above');
    const none = await api(svc.urls.http, `/api/incidents/${id}/replay`, { body: { candidate: [] } });
    expect(none.status).toBe(400);
    expect(none.json.error.issues.map((i: { path: string }) => i.path).sort()).toEqual(['candidate', 'rules']);
    expect((await api(svc.urls.http, '/api/incidents/INC-nope/replay', { body: { rules: [rule(0.3, 0.5)] } })).status).toBe(404);
  });

  it('puts the suggestion computed over the evidence in the review record and its Markdown', async () => {
    const r = await api(svc.urls.http, `/api/incidents/${id}/review`);
    expect(r.json.rule.suggestion).toMatch(
      /^levels\[\*\]\.above 0\.3 → 0\.6: this false alarm would not have raised; 0 of 0 true incident/,
    );
    expect(r.json.rule.suggested.change.rule.levels).toEqual([
      { severity: 'yellow', above: 0.6 },
      { severity: 'orange', above: 0.8 },
    ]);
    // The suggested rule, replayed: it would not have raised.
    expect((await replayOf([r.json.rule.suggested.change.rule])).json.verdict).toBe('would not have raised');
    const md = await api(svc.urls.http, `/api/incidents/${id}/review?format=md`);
    expect(md.text).toContain('## Replay (优化)');
  });

  it('prints the same side by side from the CLI, reading the store file of the running service', async () => {
    const logs: string[] = [];
    const errors: string[] = [];
    const io = { log: (x: string) => logs.push(x), error: (x: string) => errors.push(x) };
    const candidate = tempFile('tight.yaml', { rules: [rule(0.7, 0.9)] });
    expect(await runReplay(['--incident', id, '--rules', candidate, '--data-dir', svc.dataDir], io)).toBe(0);
    const text = logs.join('\n');
    expect(text).toContain('reproduces them exactly');
    expect(text).toMatch(/^raised\s+\S+T\S+Z\s+would not have raised$/m);
    expect(text).toContain('Verdict: the candidate would not have raised');
    logs.length = 0;
    expect(await runReplay(['--incident', id, '--data-dir', svc.dataDir, '--json'], io)).toBe(0);
    expect(JSON.parse(logs.join('')).current.reproducesLive).toBe(true);
    expect(await runReplay(['--incident', 'INC-nope', '--data-dir', svc.dataDir], io)).toBe(1);
    expect(errors.join('\n')).toContain('no incident INC-nope');
  });

  it('mutes in the replay what a recorded silence muted live', async () => {
    const gw2 = await connectMqtt(svc.urls.mqtt, { clientId: 'rp-2' });
    try {
      await publish(gw2, 'city/sensor/rp-2/telemetry', { ts: Date.now() - 5000, metrics: { waterLevel: 0.35 } });
      const other = await eventually(
        async () =>
          (await api(svc.urls.http, '/api/incidents')).json.incidents.find((i: { dedupKey: string }) => i.dedupKey === 'water-high:rp-2')
            ?.id as string | undefined,
      );
      const silence = await api(svc.urls.http, '/api/silences', {
        body: { matchers: { device: 'rp-2' }, createdBy: 'op-li', comment: 'sensor being serviced', duration: '1h' },
      });
      expect(silence.status).toBe(201);
      await publish(gw2, 'city/sensor/rp-2/telemetry', { ts: Date.now(), metrics: { waterLevel: 0.6 } }); // would escalate: silenced
      await eventually(async () =>
        (await api(svc.urls.http, '/metrics', { token: null })).text.includes('citysense_detections_muted_total{reason="silence"'),
      );
      await api(svc.urls.http, `/api/incidents/${other}/actions`, { body: { action: 'false_alarm', by: 'op-li' } });
      await eventually(async () => (await api(svc.urls.http, `/api/incidents/${other}/review`)).json.evidence.status === 'frozen');
      const r = (await api(svc.urls.http, `/api/incidents/${other}/replay`, { body: { rules: [rule(0.3, 0.5)] } })).json;
      expect(r.current.detections.map((d: { severity: string }) => d.severity)).toEqual(['yellow']);
      expect(r.current.muted).toEqual([
        { detection: expect.objectContaining({ severity: 'orange', value: 0.6 }), reason: { silence: silence.json.id } },
      ]);
      expect(r.current.reproducesLive).toBe(true);
    } finally {
      await gw2.endAsync();
    }
  });

  it('adopts the suggestion as the next rule version: admin only, recorded in the history and the review, and running', async () => {
    const adopt = (body: unknown, token = REVIEWER) => api(svc.urls.http, `/api/incidents/${id}/adopt`, { body, token });
    expect((await adopt({}, OPERATOR)).status).toBe(403);
    const wrong = await adopt({ rule: { ...rule(0.3, 0.5), levels: [{ severity: 'yellow', above: 'x' }] } });
    expect([wrong.status, wrong.json.error.issues[0].path]).toEqual([400, 'rule.levels[0].above']);
    expect((await adopt({ rule: { ...rule(0.6, 0.8), id: 'other' } })).json.error.issues[0].path).toBe('rule.id');
    expect((await adopt({ note: 'why' })).json.error.issues[0].path).toBe('note'); // unknown field, named
    const r = await adopt({});
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      ruleId: 'water-high',
      version: 2,
      author: 'reviewer-zhou',
      diff: [
        { path: 'levels[0].above', from: 0.3, to: 0.6 },
        { path: 'levels[1].above', from: 0.5, to: 0.8 },
      ],
    });
    expect((await api(svc.urls.http, '/api/rules')).json.rules).toEqual([rule(0.6, 0.8)]);
    const versions = (await api(svc.urls.http, '/api/rules/water-high/versions')).json;
    expect(versions.map((v: { version: number; author: string }) => [v.version, v.author])).toEqual([
      [1, 'file'],
      [2, 'reviewer-zhou'],
    ]);
    const review = await api(svc.urls.http, `/api/incidents/${id}/review`);
    expect(review.json.rule.adopted).toEqual([expect.objectContaining({ ruleId: 'water-high', version: 2, author: 'reviewer-zhou' })]);
    const md = await api(svc.urls.http, `/api/incidents/${id}/review?format=md`);
    expect(md.text).toContain('## Adopted: water-high version 2');
    expect((await adopt({ rule: rule(0.6, 0.8) })).json.error.code).toBe('unchanged');
  });
});
