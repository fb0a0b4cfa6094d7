// Baseline: plain aedes with no citysense code, TCP_NODELAY like the service. In-process
// handler mode counts publishes in the broker's own 'publish' event and does nothing else.
import net from 'node:net';
import { Aedes } from 'aedes';

const broker = await Aedes.createBroker();
let count = 0;
broker.on('publish', (packet, client) => {
  if (client && packet.topic.startsWith('city/')) count++;
});
const server = net.createServer((socket) => {
  socket.setNoDelay(true);
  broker.handle(socket);
});
server.listen(0, '127.0.0.1', () => {
  const a = server.address() as net.AddressInfo;
  process.send?.({ type: 'ready', port: a.port });
});
process.on('message', (m: { type: string }) => {
  if (m.type === 'count') process.send?.({ type: 'count', count, rssMb: process.memoryUsage().rss / 2 ** 20 });
  if (m.type === 'stop') {
    server.close();
    broker.close(() => process.exit(0));
  }
});
