import { describe, expect, it } from 'vitest';
import { parsePayload, MAX_PAYLOAD_BYTES } from '../../../ingest/parse.js';
import { parseTopic } from '../../../ingest/topic.js';

describe('parseTopic', () => {
  it.each([
    ['city/sensor/s-1/telemetry', { kind: 'sensor', deviceId: 's-1', channel: 'telemetry' }],
    ['city/sensor/s_1/status', { kind: 'sensor', deviceId: 's_1', channel: 'status' }],
    ['city/camera/CAM9/event', { kind: 'camera', deviceId: 'CAM9', channel: 'event' }],
    ['city/drone/d1/telemetry', { kind: 'drone', deviceId: 'd1', channel: 'telemetry' }],
    ['city/drone/d1/status', { kind: 'drone', deviceId: 'd1', channel: 'status' }],
  ])('parses %s', (topic, value) => {
    expect(parseTopic(topic)).toEqual({ ok: true, value });
  });

  it.each([
    ['town/sensor/s1/telemetry', 'topic'],
    ['city/sensor/s1', 'topic'],
    ['city/sensor/s1/telemetry/extra', 'topic'],
    ['city/robot/r1/telemetry', 'topic.kind'],
    ['city/sensor/bad.id/telemetry', 'topic.deviceId'],
    ['city/sensor//telemetry', 'topic.deviceId'],
    [`city/sensor/${'x'.repeat(65)}/telemetry`, 'topic.deviceId'],
    ['city/sensor/s1/event', 'topic.channel'],
    ['city/camera/c1/telemetry', 'topic.channel'],
    ['city/drone/d1/event', 'topic.channel'],
    ['city/sensor/s1/foo', 'topic.channel'],
  ])('refuses %s at %s', (topic, path) => {
    const r = parseTopic(topic);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.issues[0]?.path).toBe(path);
  });

  it('says which channels a kind has', () => {
    const r = parseTopic('city/camera/c1/telemetry');
    expect(!r.ok && r.issues[0]?.message).toMatch(/event or status/);
  });
});

describe('parsePayload', () => {
  const sensor = { kind: 'sensor', deviceId: 's1', channel: 'telemetry' } as const;
  const status = { kind: 'sensor', deviceId: 's1', channel: 'status' } as const;
  const buf = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));

  it('accepts good telemetry', () => {
    const r = parsePayload(sensor, buf({ metrics: { waterLevel: 0.2 } }));
    expect(r).toEqual({ ok: true, value: { kind: 'sensor', channel: 'telemetry', data: { metrics: { waterLevel: 0.2 } } } });
  });

  it('refuses non-JSON', () => {
    expect(parsePayload(sensor, buf('{metrics:'))).toMatchObject({ ok: false, reason: 'invalid_json' });
  });

  it('refuses more than 64 KiB before parsing', () => {
    const big = Buffer.alloc(MAX_PAYLOAD_BYTES + 1, 0x20);
    expect(parsePayload(sensor, big)).toMatchObject({ ok: false, reason: 'too_large' });
  });

  it('names the failing field', () => {
    const r = parsePayload(sensor, buf({ metrics: { waterLevel: 'high' } }));
    expect(r).toMatchObject({ ok: false, reason: 'invalid_payload', issues: [{ path: 'metrics.waterLevel' }] });
  });

  it.each([
    ['"online"', 'online'],
    ['offline', 'offline'],
    [' online\n', 'online'],
  ])('accepts status %j', (raw, value) => {
    expect(parsePayload(status, buf(raw))).toEqual({ ok: true, value: { channel: 'status', data: value } });
  });

  it('refuses an unknown status', () => {
    expect(parsePayload(status, buf('"napping"'))).toMatchObject({ ok: false, reason: 'invalid_payload' });
  });
});
