// DESIGN: a refused message → `citysense/rejected/{kind}/{id}` with
// `{"topic","reason","issues":[{path,message}]}`. Broker (ACL refusals) and ingest (payload refusals) publish the same shape.
import { z } from 'zod';

/** Stable reason codes: they label metrics, so add, never rename. */
export const RejectReason = z.enum([
  'reserved_topic', // citysense/#, $SYS/# or a topic outside city/
  'not_own_topic', // the topic names another device id (or a kind other than the registered one)
  'bad_topic', // not city/{kind}/{deviceId}/{channel}, or channel not valid for the kind
  'too_large', // payload above the size limit
  'invalid_json', // payload is not JSON
  'invalid_payload', // JSON that fails the schema of the topic
  'internal', // a pipeline step failed: our bug, not the device's
  'rate_limited', // not sent by the broker, whose rate limit slows rather than refuses (rate-hold.ts); kept valid for consumers
  'overloaded', // the broker shed the publish: too many publishes were already held
]);
export type RejectReason = z.infer<typeof RejectReason>;

export const Issue = z.object({ path: z.string(), message: z.string() });
export type Issue = z.infer<typeof Issue>;

/** The JSON payload published on `citysense/rejected/{kind}/{id}`. */
export const Rejection = z.object({ topic: z.string(), reason: RejectReason, issues: z.array(Issue) });
export type Rejection = z.infer<typeof Rejection>;

export const REJECTED_PREFIX = 'citysense/rejected';

/** Topic on which a refusal for `{kind}/{id}` is published; `unknown` when the topic gave no kind. */
export function rejectionTopic(kind: string | undefined, id: string): string {
  return `${REJECTED_PREFIX}/${kind ?? 'unknown'}/${id}`;
}
