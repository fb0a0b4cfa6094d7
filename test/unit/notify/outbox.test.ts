// The outbox on its own (in memory, a hand-moved clock): a storm within a route's group interval
// becomes one message carrying the rest; the same cause is queued once; quiet hours hold a row.
import { describe, expect, it } from 'vitest';
import { openOutbox } from '../../../notify/outbox.js';
import { incident, notice } from './fixtures.js';

const setup = () => {
  let now = 1_000_000;
  const outbox = openOutbox(':memory:', () => now);
  const add = (id: string, cause = 'ev:1', group = { key: 'route:0|hook', intervalMs: 1000 }) =>
    outbox.enqueue({ incidentId: id, cause, receiver: 'hook', route: 'route:0', notice: notice('opened', incident({ id })), group });
  return { outbox, add, tick: (ms: number) => (now += ms), now: () => now };
};

describe('outbox', () => {
  it('sends the first of a storm at once and folds the rest into one message at the end of the interval', () => {
    const { outbox, add, tick } = setup();
    add('INC-1');
    tick(100);
    for (const id of ['INC-2', 'INC-3', 'INC-4']) add(id);
    const first = outbox.claim(10);
    expect(first.map((c) => [c.lead.incidentId, c.rows.length])).toEqual([['INC-1', 0]]);
    outbox.delivered(first[0]!.lead.id, 1);
    tick(500);
    expect(outbox.claim(10)).toEqual([]); // the interval is not over
    tick(400);
    const second = outbox.claim(10);
    expect(second).toHaveLength(1);
    expect([second[0]!.lead, ...second[0]!.rows].map((r) => r.incidentId)).toEqual(['INC-2', 'INC-3', 'INC-4']);
    outbox.delivered(second[0]!.lead.id, 1);
    // Each case's log shows its row delivered, the folded ones through the message that carried them.
    expect(outbox.forIncident('INC-4').map((r) => [r.state, r.batchId])).toEqual([['delivered', second[0]!.lead.id]]);
    expect(outbox.pending()).toBe(0);
  });

  it('queues the same cause for the same receiver once', () => {
    const { outbox, add } = setup();
    expect(add('INC-1', 'ev:7')).toBeTypeOf('number');
    expect(add('INC-1', 'ev:7')).toBeUndefined();
    expect(outbox.forIncident('INC-1')).toHaveLength(1);
  });

  it('holds a row until notBefore, and a failed attempt until its retry time, then for good', () => {
    const { outbox, tick, now } = setup();
    outbox.enqueue({ incidentId: 'INC-Q', cause: 'ev:1', receiver: 'hook', route: 'route:0', notice: notice(), notBefore: now() + 5000 });
    expect(outbox.claim(10)).toEqual([]);
    tick(5000);
    const [c] = outbox.claim(10);
    expect(c!.lead.state).toBe('pending');
    outbox.attemptFailed(c!.lead.id, 1, 'HTTP 500', now() + 100);
    expect(outbox.claim(10)).toEqual([]);
    tick(100);
    const [again] = outbox.claim(10);
    outbox.attemptFailed(again!.lead.id, 2, 'HTTP 500', undefined);
    expect(outbox.forIncident('INC-Q')[0]).toMatchObject({ state: 'failed', attempts: 2, lastError: 'HTTP 500' });
    tick(1_000_000);
    expect(outbox.claim(10)).toEqual([]);
  });

  it('gives up a row it cannot read without holding up the others', () => {
    const { outbox, add, now } = setup();
    outbox.db
      .prepare(
        "INSERT INTO outbox (incident_id, cause, receiver, route, event, notice, state, due_at, created_at, updated_at) VALUES ('INC-OLD', 'ev:0', 'hook', 'route:0', 'opened', '{}', 'pending', ?, ?, ?)",
      )
      .run(now(), now(), now());
    add('INC-NEW', 'ev:1', { key: 'other', intervalMs: 0 });
    expect(outbox.claim(10).map((c) => c.lead.incidentId)).toEqual(['INC-NEW']);
    expect(outbox.forIncident('INC-OLD')[0]).toMatchObject({
      state: 'failed',
      lastError: 'the stored notice cannot be read by this version',
    });
  });
});
