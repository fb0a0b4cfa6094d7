// /ws across nodes: each node's hub reads the shared alert log in seq order (alerts/hub.ts,
// `sharedLog`); NATS only carries the notice that a node committed something, so every other
// node pumps at once. A notice is core NATS (at most once): a lost one is made good by a pump
// every `intervalMs`, so a client misses nothing, at worst a second late.
import type { Logger } from 'pino';

export const ALERTS_COMMITTED = 'citysense.alerts.committed';

/** The part of a NATS connection the fan-out uses. */
export interface NoticeBus {
  publish(subject: string, data?: string): void;
  subscribe(subject: string, opts: { callback: (err: Error | null, msg: { string(): string }) => void }): { unsubscribe(): void };
}

export interface AlertFanout {
  /** Tell the other nodes this node committed to the alert log (the hub's `sharedLog.committed`). */
  committed(): void;
  /** Notices heard from other nodes, and pumps run, since start. */
  stats(): { heard: number; pumps: number };
  close(): void;
}

export function startAlertFanout(o: {
  bus: NoticeBus;
  nodeId: string;
  pump: () => void;
  intervalMs?: number;
  logger: Logger;
}): AlertFanout {
  let heard = 0;
  let pumps = 0;
  let scheduled = false;
  const pump = () => {
    scheduled = false;
    pumps++;
    try {
      o.pump();
    } catch (err) {
      o.logger.warn({ err }, 'alert log pump failed; the next one catches up');
    }
  };
  const sub = o.bus.subscribe(ALERTS_COMMITTED, {
    callback: (err, msg) => {
      if (err || msg.string() === o.nodeId) return;
      heard++;
      if (!scheduled) {
        scheduled = true;
        setImmediate(pump);
      }
    },
  });
  const timer = setInterval(pump, o.intervalMs ?? 1000);
  timer.unref();
  return {
    committed() {
      try {
        o.bus.publish(ALERTS_COMMITTED, o.nodeId);
      } catch (err) {
        // The other nodes' periodic pump carries it instead.
        o.logger.warn({ err }, 'could not tell the other nodes of a commit');
      }
    },
    stats: () => ({ heard, pumps }),
    close() {
      clearInterval(timer);
      sub.unsubscribe();
    },
  };
}
