// When the broker may acknowledge a device's QoS 1/2 publish: aedes writes PUBACK
// before it publishes, so citysense holds the publish in authorizePublish until the service
// says the reading is stored. A failure leaves it unacknowledged and closes the connection,
// and the device sends it again: at least once, never acknowledged-and-lost.
import type { Client, PublishPacket } from 'aedes';
import type { Logger } from 'pino';

/**
 * Decides when an accepted QoS 1/2 publish may be acknowledged: aedes sends PUBACK (PUBREC)
 * when the returned promise resolves; a rejection closes the connection unacknowledged.
 * Undefined acknowledges at once.
 */
export type AckGate = (client: Client, packet: PublishPacket) => Promise<void> | undefined;

export interface AckHold {
  set(gate: AckGate | undefined): void;
  /** Let aedes go on with an accepted packet (acknowledge and publish it) once the gate agrees. */
  release(client: Client, packet: PublishPacket, callback: (err: Error | null) => void): void;
  /** Publishes left unacknowledged because the gate failed. */
  withheld(): number;
}

export function createAckHold(log: Logger): AckHold {
  let gate: AckGate | undefined;
  let withheld = 0;
  return {
    set: (g) => void (gate = g),
    release(client, packet, callback) {
      let wait: Promise<void> | undefined;
      try {
        wait = packet.qos > 0 && gate !== undefined ? gate(client, packet) : undefined;
      } catch (err) {
        wait = Promise.reject(err);
      }
      if (wait === undefined) return callback(null);
      wait.then(
        () => callback(null),
        (err: unknown) => {
          withheld++;
          log.error(
            { err, clientId: client.id, topic: packet.topic },
            'publish not acknowledged (not stored): connection closed so the device sends it again',
          );
          callback(err instanceof Error ? err : new Error(String(err)));
        },
      );
    },
    withheld: () => withheld,
  };
}
