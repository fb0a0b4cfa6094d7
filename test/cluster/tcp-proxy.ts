// A loopback TCP proxy a test can turn into a black hole: connections stay open but nothing
// passes, which is how an unreachable database looks to a client (no error, no answer).
import { createServer, connect, type Socket } from 'node:net';

export interface TcpProxy {
  port: number;
  /** Drop everything from now on, both ways, without closing anything. */
  blackhole(): void;
  /** Close the proxy and every connection through it. */
  close(): void;
}

export async function startTcpProxy(targetPort: number): Promise<TcpProxy> {
  let holed = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        client.destroy();
        upstream.destroy();
      });
    }
    client.on('data', (d) => holed || upstream.write(d));
    upstream.on('data', (d) => holed || client.write(d));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('proxy has no port');
  return {
    port: address.port,
    blackhole: () => void (holed = true),
    close() {
      server.close();
      for (const s of sockets) s.destroy();
    },
  };
}
