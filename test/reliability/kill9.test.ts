// Durability: `citysense start` is SIGKILLed while gateways publish QoS 1 readings,
// an operator acts on incidents over HTTP and another watches /ws. After a restart on the same
// data dir, every action that got its 200 and every message delivered on /ws is still there,
// and a client that resumes from its last seq gets the rest of the log with no gap.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, connectMqtt, Operator, type WsMessage } from '../support/service.js';
import { type Child, crashRig } from './child.js';

const TOKEN = 'kill9-operator-token-0123456789';
const INSPECTOR = 'kill9-inspector-token-0123456789';
const DEVICES = 12;
// The chain an operator walks an incident through; close is verified by another person, with
// their own token (核查结案 refuses the token that gave the feedback).
const NEXT: Record<string, { action: string; by: string; department?: string } | undefined> = {
  warning: { action: 'acknowledge', by: 'op-li' },
  acknowledged: { action: 'dispatch', by: 'op-li', department: 'water-affairs' },
  dispatched: { action: 'feedback', by: 'crew-wang' },
  resolved: { action: 'close', by: 'inspector-zhao' },
};

describe('kill -9 under load, then restart', () => {
  const rig = crashRig('citysense-kill9-');
  const { dir } = rig;
  const rules = join(dir, 'rules.yaml');
  writeFileSync(
    rules,
    'rules:\n  - { id: lvl, version: 1, name: level, kind: threshold, select: { metric: lvl }, above: 1, severity: red, category: flood }\n',
  );
  const config = join(dir, 'config.yaml');
  writeFileSync(config, `tokens:\n  - { name: inspector, token: ${INSPECTOR}, role: operator }\n`);
  const env = { CITYSENSE_DATA_DIR: join(dir, 'data'), CITYSENSE_RULES: rules, CITYSENSE_OPERATOR_TOKEN: TOKEN, CITYSENSE_CONFIG: config };
  let child: Child | undefined;
  afterAll(() => rig.cleanup());

  it('loses no acknowledged action and no delivered alert, and resume misses nothing', { timeout: 90_000 }, async () => {
    child = await rig.start(env);
    const first = child;
    const watcher = await Operator.connect(first.ws, TOKEN);
    watcher.send({ type: 'resume', since: 0 });
    const gateways = await Promise.all(Array.from({ length: DEVICES }, (_, i) => connectMqtt(first.mqtt, { clientId: `d${i}` })));
    gateways.forEach((g) => g.on('error', () => {}));

    let stop = false;
    let pubacked = 0;
    // Gateways: raise, clear, raise… so alerts, detections and new incidents keep coming.
    const publishing = Promise.all(
      gateways.map(async (g, i) => {
        for (let n = 0; !stop && n < 10_000; n++) {
          try {
            await g.publishAsync(`city/sensor/d${i}/telemetry`, JSON.stringify({ metrics: { lvl: n % 2 === 0 ? 2 : 0 } }), { qos: 1 });
            pubacked++;
          } catch {
            return;
          }
        }
      }),
    );
    // The operator: every action answered 200 is recorded with the event it returned.
    const acked: Array<{ id: string; type: string; eventId: number; actor: string }> = [];
    const acting = (async () => {
      for (let round = 0; !stop && round < 10_000; round++) {
        try {
          const list = await api(first.http, '/api/incidents?limit=50', { token: TOKEN });
          for (const inc of list.json?.incidents ?? []) {
            const step = NEXT[inc.state as string];
            if (!step || stop) continue;
            const token = step.action === 'close' ? INSPECTOR : TOKEN;
            const r = await api(first.http, `/api/incidents/${inc.id}/actions`, { token, body: step });
            if (r.status === 200) {
              const ev = r.json.timeline.at(-1);
              acked.push({ id: inc.id, type: ev.type, eventId: ev.id, actor: ev.actor });
            }
          }
        } catch {
          return; // the process is gone
        }
      }
    })();

    // Kill in the middle of the stream, once there is something to lose (counted as asserted below: hello has no place in the log).
    const logged = () => watcher.messages.filter((m) => m.seq !== undefined && m.type !== 'hello');
    const until = Date.now() + 30_000;
    while ((acked.length < 20 || logged().length < 150) && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    first.proc.kill('SIGKILL');
    await first.exited;
    stop = true;
    // mqtt.js keeps an unanswered QoS 1 publish pending: ending the clients settles them.
    gateways.forEach((g) => g.end(true));
    await Promise.race([Promise.all([publishing, acting]), new Promise((r) => setTimeout(r, 5000))]);
    const delivered = logged();
    watcher.close();
    expect(acked.length).toBeGreaterThanOrEqual(20);
    expect(delivered.length).toBeGreaterThanOrEqual(150);
    expect(pubacked).toBeGreaterThan(0);

    child = await rig.start(env);
    const second = child;
    // Every acknowledged action is on its incident's timeline, as it was answered.
    for (const a of acked) {
      const inc = await api(second.http, `/api/incidents/${a.id}`, { token: TOKEN });
      expect(inc.status).toBe(200);
      expect(inc.json.timeline).toContainEqual(expect.objectContaining({ id: a.eventId, type: a.type, actor: a.actor }));
    }
    // Every message delivered before the crash is in the durable log, unchanged.
    const full = await Operator.connect(second.ws, TOKEN);
    const end = (full.messages[0] as WsMessage).seq!;
    full.send({ type: 'resume', since: 0 });
    await full.next((m) => m.seq === end && m.type !== 'hello', 20_000);
    const log = new Map(full.messages.filter((m) => m.type !== 'hello').map((m) => [m.seq, JSON.stringify(m)]));
    for (const m of delivered) expect(log.get(m.seq)).toBe(JSON.stringify(m));
    full.close();

    // A client resuming from its last seen seq gets everything after it, in order, no gap.
    const last = delivered.at(-1)!.seq!;
    const again = await Operator.connect(second.ws, TOKEN);
    again.send({ type: 'resume', since: last });
    if (end > last) await again.next((m) => m.seq === end && m.type !== 'hello', 20_000);
    const seqs = again.messages.filter((m) => m.type !== 'hello').map((m) => m.seq);
    expect(seqs).toEqual(Array.from({ length: end - last }, (_, i) => last + 1 + i));
    again.close();
  });
});
