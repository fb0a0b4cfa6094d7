// Drains the outbox off the alert path: due messages are claimed, built for their receiver and
// sent; a failure is retried with backoff until the attempts run out, then the row is `failed`.
import type { Logger } from 'pino';
import { retryDelay } from './backoff.js';
import type { Receiver } from './config.js';
import type { Batch } from './notice.js';
import type { Claim, Outbox } from './outbox.js';
import { buildOutgoing } from './payloads/index.js';
import type { Sender } from './sender.js';

/** What the dispatcher needs: the outbox, the sender, the receivers, and the retry policy. */
export interface DispatcherOptions {
  outbox: Outbox;
  sender: Sender;
  receivers: ReadonlyMap<string, Receiver>;
  retry: { attempts: number; initialDelay: number; maxDelay: number };
  pollIntervalMs: number;
  clock: () => number;
  logger: Logger;
  /** Counts each attempt's outcome (delivered, retry, failed) per receiver. */
  count: (receiver: string, outcome: 'delivered' | 'retry' | 'failed') => void;
  externalURL: () => string;
  /** The e-mail address of a roster person, for e-mail receivers. */
  emailOf: (person: string | undefined) => string | undefined;
}

/** Start draining the outbox; `wake` after an enqueue sends at once instead of at the next poll. */
export function startDispatcher(o: DispatcherOptions) {
  const inFlight = new Set<Promise<void>>();
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;

  async function deliver(c: Claim): Promise<void> {
    const receiver = o.receivers.get(c.lead.receiver);
    const attempts = c.lead.attempts + 1;
    if (!receiver) {
      // The config lost this receiver since the message was queued: nothing can deliver it.
      o.outbox.attemptFailed(c.lead.id, attempts, `no receiver named ${c.lead.receiver} in the configuration`, undefined);
      o.count(c.lead.receiver, 'failed');
      return;
    }
    const notices = [c.lead, ...c.rows].sort((a, b) => a.id - b.id).map((r) => r.notice);
    const batch: Batch = { head: notices[notices.length - 1]!, notices };
    let out: ReturnType<typeof buildOutgoing>;
    try {
      out = buildOutgoing(batch, receiver, {
        now: o.clock(),
        deliveryId: `citysense-${c.lead.id}`,
        externalURL: o.externalURL(),
        personEmail: o.emailOf(c.lead.person),
      });
    } catch (err) {
      // The same notice would fail the same way on every attempt.
      o.outbox.attemptFailed(c.lead.id, attempts, `cannot build the message: ${(err as Error).message}`, undefined);
      o.count(receiver.name, 'failed');
      return;
    }
    const result = await o.sender.send(out, receiver);
    if (stopped && !result.ok) return; // cut off by the stop: `sending` turns pending at the next start
    if (result.ok) {
      o.outbox.delivered(c.lead.id, attempts);
      o.count(receiver.name, 'delivered');
      return;
    }
    const last = attempts >= o.retry.attempts;
    o.outbox.attemptFailed(c.lead.id, attempts, result.error, last ? undefined : o.clock() + retryDelay(attempts, o.retry));
    o.count(receiver.name, last ? 'failed' : 'retry');
    const log = { receiver: receiver.name, incidentId: c.lead.incidentId, attempts, error: result.error };
    if (last) o.logger.error(log, 'notification failed for good');
    else o.logger.warn(log, 'notification attempt failed; retrying');
  }

  function drain() {
    if (stopped) return;
    let claims: Claim[];
    try {
      claims = o.outbox.claim(50);
    } catch (err) {
      o.logger.error({ err }, 'outbox claim failed');
      return;
    }
    for (const c of claims) {
      const p = deliver(c)
        .catch((err: unknown) => o.logger.error({ err, id: c.lead.id }, 'notification delivery crashed'))
        .finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
  }

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      drain();
      schedule();
    }, o.pollIntervalMs);
    timer.unref();
  };
  schedule();
  setImmediate(drain);

  return {
    /** Look for due messages now. */
    wake: () => setImmediate(drain),
    /** Stop claiming; cut off the HTTP sends under way (they stay `sending`, pending again at the next start). */
    async stop() {
      stopped = true;
      clearTimeout(timer);
      o.sender.abort();
      await Promise.allSettled([...inFlight]);
    },
  };
}
