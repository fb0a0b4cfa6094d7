// The 回访 service over a real in-memory SQLite store: who gets a link, a link retired by a later
// close, one answer per case, and the close undone when its link cannot be stored.
import { afterEach, describe, expect, it } from 'vitest';
import { createFollowUps, hashToken, withFollowUps } from '../../../alerts/follow-up.js';
import { createIncidentService, type IncidentService } from '../../../alerts/incidents.js';
import { DEFAULT_ROUTING, RoutingTable, createRouter } from '../../../alerts/routing.js';
import { type SqliteStore, openSqliteStore } from '../../../store/index.js';
import type { FollowUpStore } from '../../../store/types.js';
import { T0, detection } from './management-helpers.js';

const DAY = 86_400_000;
let store: SqliteStore;
afterEach(async () => {
  await store?.close();
});

function setup(links?: (real: FollowUpStore) => FollowUpStore) {
  store = openSqliteStore({ path: ':memory:' });
  const clock = { now: T0 };
  let ids = 0;
  const unit = store.writeTransaction;
  const core = createIncidentService({
    store: store.incidents,
    router: createRouter(RoutingTable.parse(DEFAULT_ROUTING)),
    publish: () => 0,
    clock: () => clock.now,
    newId: () => `INC-FU-${++ids}`,
    unit,
  });
  const followUps = createFollowUps({
    links: links ? links(store.followUps) : store.followUps,
    incidents: core,
    ttlMs: 7 * DAY,
    baseUrl: () => 'https://city.example/',
    clock: () => clock.now,
    unit,
  });
  return { svc: withFollowUps(core, followUps, unit), followUps, clock };
}

/** acknowledge → dispatch → feedback (crew) → close (inspector); the close result. */
function run(svc: IncidentService, id: string) {
  for (const action of ['acknowledge', 'dispatch', 'feedback'] as const) expect(svc.act(id, { action, by: 'crew' }).ok).toBe(true);
  return svc.act(id, { action: 'close', by: 'inspector' });
}
const report = (svc: IncidentService, source = 'hotline_12345') =>
  svc.report({ category: 'flood', title: 'water at the gate', severity: 'yellow', grid: 'G-1-1', source, by: 'caller' }).id;
const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

describe('follow-up service', () => {
  it('sends a link for a report, none for a rule detection, and keeps only the hash', () => {
    const { svc, followUps } = setup();
    const fromRule = svc.onDetection(detection())!.id;
    const closedRule = run(svc, fromRule);
    expect(closedRule.ok && closedRule.followUp).toBeUndefined();

    const closed = run(svc, report(svc));
    if (!closed.ok) throw new Error(closed.message);
    expect(closed.followUp).toEqual({
      url: expect.stringMatching(/^https:\/\/city\.example\/r\/[A-Za-z0-9_-]{43}$/),
      expiresAt: T0 + 7 * DAY,
    });
    const token = tokenOf(closed.followUp!.url);
    expect(store.followUps.byHash(token)).toBeUndefined();
    expect(store.followUps.byHash(hashToken(token))).toMatchObject({ incidentId: closed.incident.id, expiresAt: T0 + 7 * DAY });
    expect(closed.incident.followUp).toEqual({ sentAt: T0, expiresAt: T0 + 7 * DAY });
    expect(followUps.lookup(token)).toMatchObject({ ok: true, incident: { id: closed.incident.id } });
  });

  it('retires an unanswered link when the case is closed again, and takes one answer', () => {
    const { svc, followUps, clock } = setup();
    const id = report(svc);
    const first = run(svc, id);
    clock.now += 60_000;
    expect(svc.act(id, { action: 'reopen', by: 'inspector' }).ok).toBe(true);
    expect(svc.act(id, { action: 'feedback', by: 'crew' }).ok).toBe(true);
    const second = svc.act(id, { action: 'close', by: 'inspector' });
    if (!first.ok || !second.ok) throw new Error('close refused');
    const [old, fresh] = [tokenOf(first.followUp!.url), tokenOf(second.followUp!.url)];
    expect(fresh).not.toBe(old);
    expect(followUps.answer(old, { score: 50 })).toEqual({ ok: false, status: 'superseded' });
    expect(followUps.answer(fresh, { score: 95, comment: 'quick' })).toMatchObject({ ok: true, score: 95, answeredAt: clock.now });
    expect(followUps.answer(fresh, { score: 10 })).toEqual({ ok: false, status: 'answered' });
    expect(
      svc
        .timeline(id)
        .filter((e) => e.type === 'follow_up')
        .map((e) => [e.actor, e.data?.score, e.note]),
    ).toEqual([['resident', 95, 'quick']]);
  });

  it('leaves the case resolved when its link cannot be stored: the close and the link are one transaction', () => {
    const { svc } = setup((real) => ({
      ...real,
      insert: () => {
        throw new Error('disk full');
      },
    }));
    const id = report(svc, 'citizen_app');
    for (const action of ['acknowledge', 'dispatch', 'feedback'] as const) svc.act(id, { action, by: 'crew' });
    expect(() => svc.act(id, { action: 'close', by: 'inspector' })).toThrow('disk full');
    expect(svc.get(id)!.state).toBe('resolved');
    expect(svc.timeline(id).map((e) => e.type)).not.toContain('closed');
  });

  it('expires: a link past expiresAt is gone, and nothing is recorded', () => {
    const { svc, followUps, clock } = setup();
    const id = report(svc);
    const closed = run(svc, id);
    if (!closed.ok) throw new Error(closed.message);
    clock.now = closed.followUp!.expiresAt;
    expect(followUps.answer(tokenOf(closed.followUp!.url), { score: 90 })).toEqual({ ok: false, status: 'expired' });
    expect(svc.get(id)!.followUp!.score).toBeUndefined();
  });
});
