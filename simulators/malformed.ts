// Deliberately broken messages, so the service's refusal path (citysense/rejected/…) is
// exercised as it would be by buggy gateway firmware. Every variant must fail the schemas.
import type { Device } from './fleet.js';
import { stampTs, topicOf, type PublishEmission } from './payloads.js';
import type { Rng } from './random.js';

export const MALFORMATIONS = ['not-json', 'missing-field', 'out-of-range', 'string-for-number', 'bad-ts'] as const;
export type Malformation = (typeof MALFORMATIONS)[number];

type Json = Record<string, unknown>;

const BAD_TS: readonly unknown[] = ['yesterday', -1, '2024-13-45T99:00:00Z', true];

/** Breaks a payload in the named way; the result is the raw text to publish. */
export function corrupt(emission: PublishEmission, how: Malformation, rng: Rng): string {
  const body = structuredClone(emission.payload) as Json;
  switch (how) {
    case 'not-json': {
      const text = JSON.stringify(body);
      return rng.pick([text.slice(0, Math.max(1, text.length - 3)), `{${text.slice(1, -1)},}`, 'NaN garbage \u0000']);
    }
    case 'missing-field':
      if (emission.type === 'sensor') {
        if (rng.chance(0.5)) delete body.metrics;
        else body.metrics = {};
      } else if (emission.type === 'camera') delete body.type;
      else delete body.loc;
      break;
    case 'out-of-range':
      if (emission.type === 'camera') body.confidence = 1.7;
      else if (emission.type === 'drone') body.battery = -5;
      else body.loc = { lat: 123.4, lon: 500 };
      break;
    case 'string-for-number':
      if (emission.type === 'camera') body.confidence = String(body.confidence);
      else if (emission.type === 'drone') body.battery = String(body.battery);
      else {
        const metrics = body.metrics as Record<string, unknown>;
        const name = Object.keys(metrics)[0] ?? 'waterLevel';
        metrics[name] = String(metrics[name] ?? '0.1');
      }
      break;
    case 'bad-ts':
      body.ts = rng.pick(BAD_TS);
      break;
  }
  return JSON.stringify(body);
}

/** One message ready to publish. */
export interface OutgoingMessage {
  topic: string;
  payload: string;
  malformed: Malformation | null;
  qos: 0 | 1;
}

/**
 * Turns an emission into the message a gateway would send: stamps `ts` and, with chance
 * `malformedFraction` (drawn from its own rng so the good values do not depend on it), breaks it.
 */
export function renderMessage(
  device: Device,
  emission: PublishEmission,
  nowMs: number,
  malformedFraction: number,
  rng: Rng,
): OutgoingMessage {
  const topic = topicOf(device, emission);
  // Camera events are rarer and matter more than a single telemetry sample: QoS 1 for them.
  const qos = emission.type === 'camera' ? 1 : 0;
  const stamped = stampTs(emission, nowMs);
  if (malformedFraction > 0 && rng.chance(malformedFraction)) {
    const how = rng.pick(MALFORMATIONS);
    // 'bad-ts' replaces the stamp, so corrupt the stamped payload.
    return { topic, payload: corrupt(stamped, how, rng), malformed: how, qos };
  }
  return { topic, payload: JSON.stringify(stamped.payload), malformed: null, qos };
}
