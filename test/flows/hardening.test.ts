// Node-RED as the service embeds it, hardened: its login is throttled per source address (so
// guesses from one address never lock the admin out elsewhere, as Node-RED's per-name lockout
// would), and the core nodes that run commands, touch files or open sockets are off unless
// switched on. Real Node-RED, real HTTP clients bound to different loopback addresses.
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN, startTestService } from '../support/service.js';

type Svc = Awaited<ReturnType<typeof startTestService>>;

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  json: any;
}

/** POST a login from a chosen loopback address, JSON or form-encoded (as the editor sends it). */
function login(svc: Svc, password: string, o: { from?: string; form?: boolean; body?: Record<string, string> } = {}): Promise<Answer> {
  const fields = o.body ?? { client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin', password };
  const body = o.form ? new URLSearchParams(fields).toString() : JSON.stringify(fields);
  return new Promise((resolve, reject) => {
    const req = request(
      `${svc.urls.http}/flows/auth/token`,
      {
        method: 'POST',
        localAddress: o.from ?? '127.0.0.1',
        agent: false,
        headers: {
          'content-type': o.form ? 'application/x-www-form-urlencoded' : 'application/json',
          'content-length': Buffer.byteLength(body),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode!, headers: res.headers, json: JSON.parse(Buffer.concat(chunks).toString() || '{}') }),
        );
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The node types Node-RED has loaded, read through its admin API with a fresh login. */
async function nodeTypes(svc: Svc): Promise<string[]> {
  const { json } = await login(svc, TOKEN);
  const res = await fetch(`${svc.urls.http}/flows/nodes`, {
    headers: { authorization: `Bearer ${json.access_token}`, accept: 'application/json' },
  });
  expect(res.status).toBe(200);
  const sets = (await res.json()) as Array<{ types: string[] }>;
  return sets.flatMap((s) => s.types);
}

const UNSAFE = ['exec', 'file', 'file in', 'watch', 'tcp in', 'tcp out', 'tcp request', 'udp in', 'udp out', 'http request'];

// Node-RED is one runtime per process: the two services run one after the other.
describe('Node-RED, default settings', () => {
  let svc: Svc;
  beforeAll(async () => {
    svc = await startTestService({ flows: { enabled: true } });
  }, 60_000);
  afterAll(() => svc?.stop());

  it('has no exec, file, tcp, udp or http request node, and keeps the safe core and our own nodes', async () => {
    const types = await nodeTypes(svc);
    expect(types).toEqual(expect.arrayContaining(['inject', 'debug', 'function', 'switch', 'citysense in', 'citysense incident']));
    for (const t of UNSAFE) expect(types).not.toContain(t);
  });

  it('logs in with JSON or the editor form, and validates the form naming the field', async () => {
    const ok = await login(svc, TOKEN, {
      form: true,
      body: { client_id: 'node-red-editor', grant_type: 'password', scope: '', username: 'admin', password: TOKEN },
    });
    expect(ok.status).toBe(200);
    expect(ok.json).toMatchObject({ access_token: expect.any(String), token_type: 'Bearer', expires_in: expect.any(Number) });
    const flows = await fetch(`${svc.urls.http}/flows/flows`, { headers: { authorization: `Bearer ${ok.json.access_token}` } });
    expect(flows.status).toBe(200);
    const bad = await login(svc, TOKEN, { body: { client_id: 'node-red-admin', grant_type: 'password', password: TOKEN } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.issues).toEqual([{ path: 'username', message: 'username is required' }]);
  });

  it('five wrong logins for admin from one address do not stop admin logging in from another', async () => {
    for (let i = 0; i < 5; i++) expect((await login(svc, `guess-${i}-wrong`, { from: '127.0.0.2' })).status).toBe(403);
    // Node-RED's own lockout would refuse this sixth attempt for `admin`, right password or not.
    expect((await login(svc, TOKEN, { from: '127.0.0.1' })).status).toBe(200);
    expect((await login(svc, 'still-wrong', { from: '127.0.0.1' })).status).toBe(403);
    expect((await login(svc, TOKEN, { from: '127.0.0.1' })).status).toBe(200);
  });

  it('throttles the guessing address: 429 with Retry-After, without checking the password, and never another address', async () => {
    // 127.0.0.2 has 5 failures from the test above; the limit is 10 a minute.
    for (let i = 5; i < 10; i++) expect((await login(svc, `guess-${i}-wrong`, { from: '127.0.0.2' })).status).toBe(403);
    const blocked = await login(svc, TOKEN, { from: '127.0.0.2' });
    expect(blocked.status).toBe(429);
    expect(blocked.json.error.code).toBe('too_many_attempts');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect((await login(svc, TOKEN, { from: '127.0.0.1' })).status).toBe(200);
    // One throttle for the Node-RED login and the API: the login password defaults to the operator token.
    const api = await fetch(`${svc.urls.http}/api/incidents`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(api.status).toBe(200);
  });

  it('routes every spelling of the login path to the throttled login', async () => {
    const res = await fetch(`${svc.urls.http}/flows/Auth/Token/`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_id: 'node-red-admin', grant_type: 'password', scope: '*', username: 'admin' }),
    });
    // Our validation answered (Node-RED's oauth2 server would not name the field).
    expect(res.status).toBe(400);
    expect(((await res.json()) as Answer['json']).error.issues[0].path).toBe('password');
  });
});

describe('Node-RED with flows.allowUnsafeNodes', () => {
  let svc: Svc;
  beforeAll(async () => {
    svc = await startTestService({ flows: { enabled: true, allowUnsafeNodes: true } });
  }, 60_000);
  afterAll(() => svc?.stop());

  it('loads exec, file, tcp, udp and http request', async () => {
    const types = await nodeTypes(svc);
    for (const t of UNSAFE) expect(types).toContain(t);
  });
});
