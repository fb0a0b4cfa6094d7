// A webhook receiver of the test's own on 127.0.0.1: records each request (and whether its
// signature checks) and answers with the next status of a script, then 200.
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';

export interface Received {
  path: string;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: any;
  signatureOk: boolean;
  status: number;
}

/** A receiver on a free port; `statuses` are answered in order, then 200 for good. */
export async function startReceiver(opts: { secret?: string; statuses?: number[]; port?: number } = {}) {
  const script = [...(opts.statuses ?? [])];
  const received: Received[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const want = opts.secret ? `sha256=${createHmac('sha256', opts.secret).update(body).digest('hex')}` : undefined;
      const status = script.shift() ?? 200;
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      received.push({
        path: req.url ?? '',
        headers: req.headers,
        body,
        json,
        signatureOk: want !== undefined && req.headers['x-citysense-signature'] === want,
        status,
      });
      res.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(opts.port ?? 0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    port,
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A free TCP port on 127.0.0.1 (bound and released): a receiver that is down, to be started there later. */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const a = s.address();
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return typeof a === 'object' && a ? a.port : 0;
}

/** A manual report (社区吹哨) of a flood, routed to water-affairs by the built-in routing table. */
export const floodReport = (over: Record<string, unknown> = {}) => ({
  category: 'flood',
  title: '积水 at the underpass',
  severity: 'orange',
  grid: 'g-1',
  district: 'xicheng',
  source: 'grid_worker',
  by: 'grid worker Li',
  ...over,
});
