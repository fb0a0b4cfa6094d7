// Who gets in: registered devices with their password; anonymous clients only when allowed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, waitForReading, type Harness } from './helpers.js';

describe('broker authentication (anonymous not allowed)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ allowAnonymous: false });
  });
  afterAll(() => h.close());

  it('lets a registered device in with its username and password', async () => {
    const s2 = await h.connect({ clientId: 'any-client-id', username: 'gateway-s2', password: 'pw-s2' });
    await s2.publishAsync('city/sensor/s2/telemetry', JSON.stringify({ metrics: { noise: 61 } }));
    // Identity is the registry id (s2), not the MQTT client id or the username.
    expect(await waitForReading(h, (r) => r.deviceId === 's2')).toMatchObject({ kind: 'sensor', metrics: { noise: 61 } });
  });

  it('refuses a registered device with a wrong password (return code 4)', async () => {
    await expect(h.connect({ clientId: 's1', username: 's1', password: 'wrong' })).rejects.toMatchObject({ code: 4 });
  });

  it('refuses an unknown username (return code 4)', async () => {
    await expect(h.connect({ clientId: 'x', username: 'mallory', password: 'pw-s1' })).rejects.toMatchObject({ code: 4 });
  });

  it('refuses anonymous clients (return code 5)', async () => {
    await expect(h.connect({ clientId: 'anon-1' })).rejects.toMatchObject({ code: 5 });
    expect(h.broker.stats().connectsRefused).toBeGreaterThanOrEqual(3);
  });
});

describe('broker authentication (anonymous allowed)', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ allowAnonymous: true });
  });
  afterAll(() => h.close());

  it('lets an anonymous client publish under its client id', async () => {
    const anon = await h.connect({ clientId: 'anon-7' });
    await anon.publishAsync('city/camera/anon-7/event', JSON.stringify({ type: 'smoke', confidence: 0.8 }));
    const r = await waitForReading(h, (x) => x.deviceId === 'anon-7');
    expect(r.events).toEqual([{ type: 'smoke', confidence: 0.8 }]);
  });

  it('refuses an anonymous client that takes a registered id', async () => {
    await expect(h.connect({ clientId: 's1' })).rejects.toMatchObject({ code: 5 });
  });

  it('refuses an anonymous client id outside [A-Za-z0-9_-] (return code 2)', async () => {
    await expect(h.connect({ clientId: 'has.dots' })).rejects.toMatchObject({ code: 2 });
  });

  it('still checks passwords of registered devices', async () => {
    await expect(h.connect({ clientId: 'c1', username: 'c1', password: 'nope' })).rejects.toMatchObject({ code: 4 });
  });
});
