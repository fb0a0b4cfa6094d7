// A device's departure: lost (the broker fired its last will) or a goodbye (it sent MQTT
// DISCONNECT). Only a lost connection is an outage (docs/rules.md § Grouping).
import type { Client, PublishPacket } from 'aedes';

/** Remembers which clients' last wills the broker fired. */
export interface WillTracker {
  /** Call from authorizePublish with every packet it is asked about. */
  note(client: Client | null, packet: PublishPacket): void;
  /** Whether the broker published this client's last will (its connection was lost, not ended). */
  willFired(client: Client): boolean;
}

/** A tracker over aedes' own will handling. */
export function createWillTracker(): WillTracker {
  const fired = new WeakSet<Client>();
  return {
    note(client, packet) {
      // aedes fires a will by passing the very packet it keeps as `client.will` to
      // authorizePublish (lib/client.js close → finish); a device's own publish is never that object.
      if (client !== null && packet === (client as unknown as { will?: unknown }).will) fired.add(client);
    },
    willFired: (client) => fired.has(client),
  };
}

/** Whether the client ended its connection with an MQTT DISCONNECT (aedes sets `_disconnected` on that packet only). */
export function disconnectedCleanly(client: Client): boolean {
  return (client as unknown as { _disconnected?: boolean })._disconnected === true;
}
