// Baseline relay subscriber: an external mqtt.js client that counts what the broker forwards.
import mqtt from 'mqtt';

const url = process.argv[2]!;
let count = 0;
const c = mqtt.connect(url, { clientId: `bench-sub-${process.pid}`, protocolVersion: 4, reconnectPeriod: 0 });
c.on('connect', () => {
  (c.stream as { setNoDelay?: (b: boolean) => void }).setNoDelay?.(true);
  void c.subscribeAsync('city/#', { qos: 0 }).then(() => process.send?.({ type: 'ready' }));
});
c.on('message', () => count++);
c.on('error', (err) => process.send?.({ type: 'error', message: String(err) }));
process.on('message', (m: { type: string }) => {
  if (m.type === 'count') process.send?.({ type: 'count', count });
  if (m.type === 'stop') c.end(true, () => process.exit(0));
});
