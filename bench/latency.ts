// Alert latency: MQTT publish of a threshold-crossing reading → its alert received by a real
// ws client, both in this process so one clock measures both ends.
import mqtt from 'mqtt';
import WebSocket from 'ws';

/** An MQTT client of the probe's, connected, with Nagle off like the broker's sockets. */
async function connectProbe(url: string, clientId: string) {
  const c = mqtt.connect(url, { clientId, protocolVersion: 4, reconnectPeriod: 0 });
  await new Promise((resolve, reject) => {
    c.once('connect', resolve);
    c.once('error', reject);
  });
  (c.stream as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
  return c;
}

/** One probe message in flight at a time: `time` sends it and resolves with ms until `arrived()`. */
function createProbe() {
  let waiting: ((at: number) => void) | undefined;
  return {
    arrived: () => waiting?.(performance.now()),
    time: (send: () => void, what: string) =>
      new Promise<number>((resolve, reject) => {
        const t0 = performance.now();
        const timer = setTimeout(() => {
          waiting = undefined;
          reject(new Error(`${what} not received within 5 s`));
        }, 5000);
        waiting = (at) => {
          waiting = undefined;
          clearTimeout(timer);
          resolve(at - t0);
        };
        send();
      }),
  };
}

/** `samples` pairs of probes, 10 ms between pairs, within `maxMs`: every time, in order. */
async function pairs(samples: number, maxMs: number, first: () => Promise<number>, second: () => Promise<number>): Promise<number[]> {
  const out: number[] = [];
  const until = Date.now() + maxMs;
  for (let i = 0; i < samples && Date.now() < until; i++) {
    out.push(await first());
    out.push(await second());
    await new Promise((r) => setTimeout(r, 10));
  }
  return out;
}

/** Publish `samples` crossings (raise, then clear) and return each publish→alert time in ms. */
export async function measureAlertLatency(
  mqttUrl: string,
  wsUrl: string,
  token: string,
  samples: number,
  maxMs: number,
): Promise<number[]> {
  const ws = new WebSocket(`${wsUrl}?token=${token}`, { perMessageDeflate: false });
  await new Promise((resolve, reject) => {
    ws.once('open', resolve);
    ws.once('error', reject);
  });
  (ws as unknown as { _socket?: { setNoDelay(b: boolean): void } })._socket?.setNoDelay(true);
  ws.send(JSON.stringify({ type: 'subscribe', filter: { category: 'bench' } }));
  const client = await connectProbe(mqttUrl, 'bench-probe-1');

  const probe = createProbe();
  let phase = '';
  ws.on('message', (data) => {
    const m = JSON.parse(data.toString()) as { type: string; alert?: { deviceId: string; phase: string } };
    if (m.type === 'alert' && m.alert?.deviceId === 'bench-probe-1' && m.alert.phase === phase) probe.arrived();
  });
  const crossing = (value: number, to: string) => () => {
    phase = to;
    return probe.time(
      () => client.publish('city/sensor/bench-probe-1/telemetry', JSON.stringify({ metrics: { probe: value } }), { qos: 0 }),
      `${to} alert`,
    );
  };
  const out = await pairs(samples, maxMs, crossing(2, 'raise'), crossing(0, 'clear'));
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
  const sub = await connectProbe(mqttUrl, 'bench-relay-sub');
  await sub.subscribeAsync(topic, { qos: 0 });
  const pub = await connectProbe(mqttUrl, 'bench-relay-pub');
  const probe = createProbe();
  sub.on('message', probe.arrived);
  const relayed = () => probe.time(() => pub.publish(topic, JSON.stringify({ metrics: { probe: 1 } }), { qos: 0 }), 'relay probe');
  const out = await pairs(samples, maxMs, relayed, relayed);
  await Promise.all([pub.endAsync(), sub.endAsync()]);
  return out;
}

/** The p-th percentile (0..100) of a sample, nearest rank. */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}
