// TLS: with a certificate configured, MQTT is MQTTS, the MQTT WebSocket port is WSS
// and the HTTP port is HTTPS (and WSS on /ws). The certificate is made here with openssl.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { startTestService, TOKEN } from '../support/service.js';

const hasOpenssl = (() => {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
if (!hasOpenssl) console.warn('openssl not found: TLS tests skipped');

/** How a connection attempt ends: 'connected', 'closed' (no CONNACK), or the error's message. */
function attempt(url: string): Promise<string> {
  return new Promise((resolve) => {
    const c = mqtt.connect(url, { clientId: 'probe', protocolVersion: 4, reconnectPeriod: 0, connectTimeout: 3000 });
    const done = (outcome: string) => {
      c.end(true);
      resolve(outcome);
    };
    c.once('connect', () => done('connected'));
    c.once('error', (err) => done(err.message));
    c.once('close', () => done('closed'));
  });
}

describe.skipIf(!hasOpenssl)('TLS for MQTT, MQTT over WSS, HTTPS and /ws', () => {
  const dir = mkdtempSync(join(tmpdir(), 'citysense-tls-'));
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  let svc: Awaited<ReturnType<typeof startTestService>>;
  let ca: Buffer;
  beforeAll(async () => {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=localhost',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
      ],
      { stdio: 'ignore' },
    );
    ca = readFileSync(cert);
    svc = await startTestService({ tls: { cert, key } });
  });
  afterAll(async () => {
    await svc?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints TLS URLs', () => {
    expect(svc.urls).toMatchObject({
      http: expect.stringMatching(/^https:/),
      ws: expect.stringMatching(/^wss:/),
      mqtt: expect.stringMatching(/^mqtts:/),
      mqttWs: expect.stringMatching(/^wss:/),
    });
  });

  it('takes MQTT over TLS and over WSS, trusting the configured certificate, and refuses plain MQTT', async () => {
    for (const url of [svc.urls.mqtt, svc.urls.mqttWs]) {
      const c = await mqtt.connectAsync(url, {
        clientId: 'tls-s1',
        protocolVersion: 4,
        reconnectPeriod: 0,
        ca,
        ...(url.startsWith('wss') ? { wsOptions: { ca } } : {}),
      });
      await c.publishAsync('city/sensor/tls-s1/telemetry', JSON.stringify({ metrics: { waterLevel: 0.1 } }), { qos: 1 });
      await c.endAsync();
    }
    expect(await attempt(svc.urls.mqtt.replace('mqtts:', 'mqtt:'))).toBe('closed');
    // An untrusted certificate is refused by a client that checks it: the server really speaks TLS.
    expect(await attempt(svc.urls.mqtt)).toMatch(/self[- ]signed/i);
  });

  it('serves the API over HTTPS and /ws over WSS', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${svc.urls.http}/api/incidents`, { ca, headers: { authorization: `Bearer ${TOKEN}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe(200);
    const ws = new WebSocket(`${svc.urls.ws}?token=${TOKEN}`, { ca });
    const hello = await new Promise<{ type: string }>((resolve, reject) => {
      ws.once('message', (d) => resolve(JSON.parse(d.toString())));
      ws.once('error', reject);
    });
    expect(hello.type).toBe('hello');
    ws.close();
  });
});
