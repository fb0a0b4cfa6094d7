// The two ways in: MQTT over TCP and MQTT over WebSocket (path /mqtt), each on its own port.
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createTlsServer } from 'node:tls';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Aedes } from 'aedes';
import { WebSocketServer, createWebSocketStream } from 'ws';

export interface Transports {
  listen(mqttPort: number, wsPort: number, host: string): Promise<{ mqttPort: number; wsPort: number }>;
  close(): Promise<void>;
}

/** TCP and WebSocket servers feeding `aedes.handle`; nothing listens until `listen()`. */
export function createTransports(
  aedes: Aedes,
  opts: { wsPath: string; wsMaxPayload: number; tls?: { cert: Buffer; key: Buffer } },
): Transports {
  // Sockets that never sent CONNECT are not aedes clients: close() ends them itself.
  const sockets = new Set<Socket>();
  // With a certificate both ports speak TLS only (mqtts, wss): no plain listener is left open.
  const onSocket = (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    // Telemetry is many small packets: Nagle would only add latency.
    socket.setNoDelay(true);
    aedes.handle(socket);
  };
  const tcp: Server = opts.tls ? createTlsServer(opts.tls, onSocket) : createTcpServer(onSocket);
  const onRequest = (_req: unknown, res: import('node:http').ServerResponse) => {
    res.writeHead(426, { 'content-type': 'text/plain', upgrade: 'websocket' });
    res.end(`MQTT over WebSocket: connect with ${opts.tls ? 'wss' : 'ws'}://…${opts.wsPath}\n`);
  };
  const http: HttpServer = opts.tls ? createHttpsServer(opts.tls, onRequest) : createHttpServer(onRequest);
  // mqtt.js asks for the `mqtt` subprotocol; ws picks the client's first one by default.
  const wss = new WebSocketServer({ server: http, path: opts.wsPath, maxPayload: opts.wsMaxPayload });
  wss.on('connection', (ws, req) => {
    (req.socket as Socket).setNoDelay(true);
    const stream = createWebSocketStream(ws);
    aedes.handle(stream, req);
  });
  // Errors of a single upgrade/socket must not reach the process as 'error' without a listener.
  wss.on('error', () => {});

  return {
    async listen(mqttPort, wsPort, host) {
      await Promise.all([listenOn(tcp, mqttPort, host), listenOn(http, wsPort, host)]).catch(async (err) => {
        await Promise.all([closeServer(tcp), closeServer(http)]);
        throw err;
      });
      return { mqttPort: (tcp.address() as AddressInfo).port, wsPort: (http.address() as AddressInfo).port };
    },
    async close() {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
      http.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await Promise.all([closeServer(tcp), closeServer(http)]);
    },
  };
}

function listenOn(server: Server | HttpServer, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: Error) => reject(err);
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
}

function closeServer(server: Server | HttpServer): Promise<void> {
  return new Promise((resolve) => {
    if (!server.listening) return resolve();
    server.close(() => resolve());
  });
}
