// HTTP hygiene against the real service with real clients: malformed URLs are a 400 (not a 500
// with a stack trace), an oversized body is a 413 the client can read (not a reset), and wrong
// tokens are throttled per source address, for the API and the /ws upgrade alike.
import { request } from 'node:http';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import WebSocket from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN, startTestService } from '../support/service.js';

// The service's log, kept so a test can read what was logged.
const lines: Array<Record<string, unknown>> = [];
const logger = pino(
  { level: 'debug' },
  new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  }),
);

let svc: Awaited<ReturnType<typeof startTestService>>;
beforeAll(async () => {
  svc = await startTestService({}, logger);
});
afterAll(() => svc?.stop());

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: { error?: { code: string; message: string } } & Record<string, unknown>;
}

/** One request with node:http from a chosen loopback address; `body` is sent as given. */
function call(path: string, o: { method?: string; token?: string; from?: string; body?: Buffer; chunked?: boolean } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (o.token) headers.authorization = `Bearer ${o.token}`;
    if (o.body && !o.chunked) headers['content-length'] = String(o.body.length);
    const req = request(
      `${svc.urls.http}${path}`,
      { method: o.method ?? 'GET', headers, localAddress: o.from ?? '127.0.0.1', agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(Buffer.concat(chunks).toString() || '{}') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(o.body);
  });
}

/** A /ws upgrade from a chosen address: 'open', or the HTTP status it was refused with. */
function upgrade(token: string, from: string, query = `token=${encodeURIComponent(token)}`): Promise<'open' | number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${svc.urls.ws}?${query}`, { localAddress: from });
    ws.once('open', () => {
      ws.close();
      resolve('open');
    });
    ws.once('unexpected-response', (_req, res) => {
      resolve(res.statusCode!);
      res.resume();
    });
    ws.once('error', reject);
  });
}

describe('malformed URLs', () => {
  it.each([
    ['/api/incidents/%zz', TOKEN],
    ['/api/incidents/%zz', undefined],
    ['/api/incidents?state=%zz', TOKEN],
    ['/api/incidents/x/review?format=%E0%A4%A', TOKEN],
    ['/console/%zz', undefined],
  ])('%s (token: %s) is a 400 bad_request, logged without a stack trace', async (path, token) => {
    const before = lines.length;
    const r = await call(path, { token });
    expect(r.status).toBe(400);
    expect(r.json.error).toMatchObject({ code: 'bad_request', message: expect.stringMatching(/malformed URL/) });
    const logged = lines.slice(before);
    expect(logged.some((l) => l.msg === 'malformed request URL' && l.level === 20)).toBe(true);
    expect(logged.filter((l) => (l.level as number) >= 50 || 'err' in l)).toEqual([]);
  });

  it('refuses a /ws upgrade with a malformed URL with 400', async () => {
    expect(await upgrade(TOKEN, '127.0.0.1', `token=${TOKEN}%zz`)).toBe(400);
  });

  it('still serves well-formed escapes', async () => {
    const r = await call('/api/incidents/%66%30', { token: TOKEN });
    expect(r.status).toBe(404);
  });
});

describe('oversized bodies', () => {
  const big = Buffer.alloc(2 * 1024 * 1024, 0x20);

  it('answers a 2 MiB POST with a 413 the client reads (Content-Length given)', async () => {
    const r = await call('/api/incidents', { method: 'POST', token: TOKEN, body: big });
    expect(r.status).toBe(413);
    expect(r.headers.connection).toBe('close');
    expect(r.json.error).toMatchObject({ code: 'too_large' });
  });

  it('answers a chunked 2 MiB POST with a 413 the client reads', async () => {
    const r = await call('/api/incidents', { method: 'POST', token: TOKEN, body: big, chunked: true });
    expect(r.status).toBe(413);
    expect(r.json.error).toMatchObject({ code: 'too_large' });
  });

  it('answers fetch (undici) with the 413 too, and the next request is served', async () => {
    const res = await fetch(`${svc.urls.http}/api/incidents`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: big,
    });
    expect(res.status).toBe(413);
    expect(((await res.json()) as Answer['json']).error?.code).toBe('too_large');
    expect((await call('/api/incidents', { token: TOKEN })).status).toBe(200);
  });
});

describe('failed authentication, throttled per address', () => {
  // The service's default: 10 failures a minute from one address.
  const LIMIT = 10;

  it('answers 429 with Retry-After after the limit, even to a right token from that address, and never to another address', async () => {
    for (let i = 0; i < LIMIT; i++) expect((await call('/api/incidents', { token: `wrong-${i}`, from: '127.0.0.2' })).status).toBe(401);
    const blocked = await call('/api/incidents', { token: 'wrong-again', from: '127.0.0.2' });
    expect(blocked.status).toBe(429);
    expect(blocked.json.error?.code).toBe('too_many_attempts');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(60);
    expect(lines.filter((l) => l.msg === 'too many wrong tokens: address throttled')).toEqual([
      expect.objectContaining({ level: 40, remote: '127.0.0.2' }),
    ]);
    // A throttled address waits out its window whatever it sends: the token is not even checked.
    expect((await call('/api/incidents', { token: TOKEN, from: '127.0.0.2' })).status).toBe(429);
    expect(await upgrade(TOKEN, '127.0.0.2')).toBe(429);
    // Another address is untouched: its right token works, its wrong one is a plain 401.
    expect((await call('/api/incidents', { token: TOKEN, from: '127.0.0.1' })).status).toBe(200);
    expect(await upgrade(TOKEN, '127.0.0.1')).toBe('open');
    expect((await call('/api/incidents', { token: 'wrong', from: '127.0.0.1' })).status).toBe(401);
    // Open endpoints need no token and are not throttled.
    expect((await call('/api/health', { from: '127.0.0.2' })).status).toBe(200);
  });

  it('counts wrong tokens on /ws upgrades too, and blocks the API for that address', async () => {
    for (let i = 0; i < LIMIT; i++) expect(await upgrade(`wrong-${i}`, '127.0.0.3')).toBe(401);
    expect(await upgrade(`wrong-${LIMIT}`, '127.0.0.3')).toBe(429);
    expect((await call('/api/incidents', { token: TOKEN, from: '127.0.0.3' })).status).toBe(429);
  });

  it('does not count requests without a token (nothing is guessed)', async () => {
    for (let i = 0; i < LIMIT * 2; i++) expect((await call('/api/incidents', { from: '127.0.0.4' })).status).toBe(401);
    expect((await call('/api/incidents', { token: TOKEN, from: '127.0.0.4' })).status).toBe(200);
  });
});
