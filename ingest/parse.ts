// Payload bytes → the typed body of the topic's schema (DESIGN § MQTT topics and payloads).
import type { Issue, RejectReason } from '../model/index.js';
import { toIssues } from './result.js';
import { CameraEvent, DroneTelemetry, SensorTelemetry, Status } from '../model/reading.js';
import type { TopicRoute } from './topic.js';

/** Larger payloads are refused before JSON.parse: telemetry is small, and parsing is the cost. */
export const MAX_PAYLOAD_BYTES = 64 * 1024;

export type Body =
  | { kind: 'sensor'; channel: 'telemetry'; data: SensorTelemetry }
  | { kind: 'camera'; channel: 'event'; data: CameraEvent }
  | { kind: 'drone'; channel: 'telemetry'; data: DroneTelemetry }
  | { channel: 'status'; data: Status };

export type ParseResult =
  | { ok: true; value: Body }
  | { ok: false; reason: Extract<RejectReason, 'too_large' | 'invalid_json' | 'invalid_payload'>; issues: Issue[] };

/** Parse and validate a payload for an already-parsed topic; never throws. */
export function parsePayload(route: TopicRoute, payload: Buffer): ParseResult {
  if (payload.length > MAX_PAYLOAD_BYTES) {
    return refuse('too_large', '', `payload is ${payload.length} bytes, the limit is ${MAX_PAYLOAD_BYTES}`);
  }
  const text = payload.toString('utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    // Status may come as the bare word (`online`), which is what most gateways' last wills carry.
    if (route.channel === 'status') json = text.trim();
    else return refuse('invalid_json', '', `payload is not JSON: ${(err as Error).message}`);
  }

  if (route.channel === 'status') {
    const r = Status.safeParse(json);
    return r.success ? { ok: true, value: { channel: 'status', data: r.data } } : invalid(r.error.issues);
  }
  switch (route.kind) {
    case 'sensor': {
      const r = SensorTelemetry.safeParse(json);
      return r.success ? { ok: true, value: { kind: 'sensor', channel: 'telemetry', data: r.data } } : invalid(r.error.issues);
    }
    case 'camera': {
      const r = CameraEvent.safeParse(json);
      return r.success ? { ok: true, value: { kind: 'camera', channel: 'event', data: r.data } } : invalid(r.error.issues);
    }
    case 'drone': {
      const r = DroneTelemetry.safeParse(json);
      return r.success ? { ok: true, value: { kind: 'drone', channel: 'telemetry', data: r.data } } : invalid(r.error.issues);
    }
  }
}

function refuse(reason: 'too_large' | 'invalid_json', path: string, message: string): ParseResult {
  return { ok: false, reason, issues: [{ path, message }] };
}

function invalid(issues: Parameters<typeof toIssues>[0]): ParseResult {
  return { ok: false, reason: 'invalid_payload', issues: toIssues(issues) };
}
