// DESIGN: a refused message → `citysense/rejected/{kind}/{id}` with
// `{"topic","reason","issues":[{path,message}]}`, counted and kept in a dead-letter log.
// Broker (ACL refusals) and ingest (payload refusals) publish the same shape.
import type { Aedes } from 'aedes';
import { rejectionTopic, type Rejection } from '../model/rejection.js';

export { Rejection, RejectReason, Issue, rejectionTopic, REJECTED_PREFIX } from '../model/rejection.js';

/** Publish a refusal (QoS 0, not retained) on behalf of the service; never throws. */
export function publishRejection(aedes: Aedes, kind: string | undefined, id: string, rejection: Rejection): void {
  aedes.publish(
    {
      cmd: 'publish',
      topic: rejectionTopic(kind, id),
      payload: Buffer.from(JSON.stringify(rejection)),
      qos: 0,
      retain: false,
      dup: false,
    },
    () => {
      // Best effort: a refusal that cannot be delivered is still counted and dead-lettered.
    },
  );
}
