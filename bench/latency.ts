// Alert latency: MQTT publish of a threshold-crossing reading → its alert received by a real
// ws client, both in this process so one clock measures both ends.
import mqtt from 'mqtt';
import WebSocket from 'ws';

/** Publish `samples` crossings (raise, then clear) and return each publish→alert time in ms. */
export async function measureAlertLatency(mqttUrl: string, wsUrl: string, token: string, samples: number, maxMs: number): Promise<number[]> {
  const ws = new WebSocket(`${wsUrl}?token=${token}`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  (ws as unknown as { _socket?: { setNoDelay(b: boolean): void } })._socket?.setNoDelay(true);
  ws.send(JSON.stringify({ type: 'subscribe', filter: { category: 'bench' } }));
  const client = mqtt.connect(mqttUrl, { clientId: 'bench-probe-1', protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise((resolve) => client.once('connect', resolve));
  (client.stream as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);

  let waiting: { phase: string; resolve: () => void } | undefined;
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { type: string; alert?: { deviceId: string; phase: string } };
    if (m.type === 'alert' && m.alert?.deviceId === 'bench-probe-1' && waiting && m.alert.phase === waiting.phase) {
      const w = waiting;
      waiting = undefined;
      w.resolve();
    }
  });
  const once = (value: number, phase: string) =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      const timer = setTimeout(() => {
        waiting = undefined;
        reject(new Error(`no ${phase} alert within 5 s`));
      }, 5000);
      waiting = { phase, resolve: () => (clearTimeout(timer), resolve(performance.now() - t0)) };
      client.publish('city/sensor/bench-probe-1/telemetry', JSON.stringify({ metrics: { probe: value } }), { qos: 0 });
    });
  const out: number[] = [];
  const until = Date.now() + maxMs;
  for (let i = 0; i < samples && Date.now() < until; i++) {
    out.push(await once(2, 'raise'));
    out.push(await once(0, 'clear'));
    await new Promise((r) => setTimeout(r, 10));
  }
  ws.close();
  await client.endAsync();
  return out;
}

/**
 * The same probe against plain aedes, MQTT in and MQTT out (no citysense code): publish → the
 * message received by a subscriber in this process. Under the same background load, this is
 * what the broker hop and this machine's scheduling cost on their own — the floor under the
 * alert latency, which has an MQTT hop in and a ws hop out.
 */
export async function measureRelayLatency(mqttUrl: string, samples: number, maxMs: number): Promise<number[]> {
  const topic = 'bench/relay-probe';
  const connect = async (clientId: string) => {
    const c = mqtt.connect(mqttUrl, { clientId, protocolVersion: 4, reconnectPeriod: 0 });
    await new Promise((resolve, reject) => {
      c.once('connect', resolve);
      c.once('error', reject);
    });
    (c.stream as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
    return c;
  };
  const sub = await connect('bench-relay-sub');
  await sub.subscribeAsync(topic, { qos: 0 });
  const pub = await connect('bench-relay-pub');
  let waiting: ((at: number) => void) | undefined;
  sub.on('message', () => waiting?.(performance.now()));
  const once = () =>
    new Promise<number>((resolve, reject) => {
      const t0 = performance.now();
      const timer = setTimeout(() => {
        waiting = undefined;
        reject(new Error('relay probe not received within 5 s'));
      }, 5000);
      waiting = (at) => {
        waiting = undefined;
        clearTimeout(timer);
        resolve(at - t0);
      };
      pub.publish(topic, JSON.stringify({ metrics: { probe: 1 } }), { qos: 0 });
    });
  const out: number[] = [];
  const until = Date.now() + maxMs;
  // Paced like the alert probe: two messages, then 10 ms.
  for (let i = 0; i < samples && Date.now() < until; i++) {
    out.push(await once());
    out.push(await once());
    await new Promise((r) => setTimeout(r, 10));
  }
  await Promise.all([pub.endAsync(), sub.endAsync()]);
  return out;
}

/** The p-th percentile (0..100) of a sample, nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
