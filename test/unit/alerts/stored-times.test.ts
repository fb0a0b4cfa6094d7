// Incidents stored before ingest checked device clocks (a ts of 1e300 as the first detection; a
// NaN, which JSON stores as null) are read back from a real SQLite file and still render: CAP
// and the CAP feed valid against the OASIS schema, the review and the CSV without a throw,
// "Invalid Date" or "NaN".
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { renderCap } from '../../../alerts/cap.js';
import { renderCapFeed } from '../../../alerts/cap-feed.js';
import { evaluate } from '../../../alerts/evaluation.js';
import { evaluationCsv } from '../../../alerts/evaluation-csv.js';
import { evaluationRoutes } from '../../../alerts/evaluation-http.js';
import type { Incident } from '../../../model/incident.js';
import { buildReview, renderReviewMarkdown } from '../../../alerts/review.js';
import { type SqliteStore, openSqliteStore } from '../../../store/index.js';
import { T0, makeEvent, makeIncident, makeReading, tempDir } from '../store/fixtures.js';
import { alertsInFeed, tag, validateCaps } from './cap-validate.js';

const CAP = { sender: 'citysense.test', senderName: 'citysense', utcOffsetMinutes: 480 };
const BROKEN = /Invalid Date|NaN|Infinity|e\+\d/;

describe('formatters over stored values no date can carry', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  const stored = (over: Partial<Incident>, eventTs = T0): Incident => {
    const incident = makeIncident(over);
    store.incidents.insertIncident(incident, makeEvent(incident.id, { ts: eventTs }));
    store.incidents.updateIncident(
      { ...incident, state: 'acknowledged', acknowledgedAt: T0 + 60_000 },
      makeEvent(incident.id, { ts: T0 + 60_000, type: 'acknowledged', from: 'warning', to: 'acknowledged', actor: 'op-li' }),
    );
    return store.incidents.getIncident(incident.id)!;
  };

  beforeEach(() => {
    tmp = tempDir();
    store = openSqliteStore({ dataDir: tmp.dir });
  });
  afterEach(async () => {
    await store.close();
    tmp.remove();
  });

  it('reads back what an older version stored: 1e300 as is, NaN as null', () => {
    const huge = stored({ id: 'inc-huge', firstDetectionTs: 1e300, lastDetectionTs: 1e300 });
    const nan = stored({ id: 'inc-nan', firstDetectionTs: Number.NaN, resolvedAt: Number.NaN });
    expect(huge.firstDetectionTs).toBe(1e300);
    expect(nan.firstDetectionTs).toBeNull();
    expect(nan.resolvedAt).toBeNull();
  });

  it('CAP: onset from the opening time instead, sent from the opening when the event time is broken; the feed too, all schema-valid', async () => {
    const huge = stored({ id: 'inc-huge', firstDetectionTs: 1e300 });
    const nan = stored({ id: 'inc-nan', firstDetectionTs: Number.NaN, createdAt: T0 + 1000 });
    // 1e300 fits the INTEGER columns (as a REAL); NaN would not (NOT NULL), so it never reached them.
    const badEvent = stored({ id: 'inc-ev', firstDetectionTs: 1e300, createdAt: 1e300 }, 1e300);
    const docs: Record<string, string> = {};
    for (const i of [huge, nan, badEvent]) docs[i.id] = renderCap(i, store.incidents.events(i.id), CAP)!;
    expect(tag(docs['inc-huge']!, 'onset')).toEqual(['2025-06-01T16:00:00+08:00']);
    expect(tag(docs['inc-nan']!, 'onset')).toEqual(['2025-06-01T16:00:01+08:00']);
    // Neither the first detection nor the opening can be written: no onset (it is optional), sent at the epoch.
    expect(tag(docs['inc-ev']!, 'onset')).toEqual([]);
    expect(tag(docs['inc-ev']!, 'references')[0]).toContain(',1970-01-01T00:00:00+00:00');
    const feed = renderCapFeed(
      [huge, nan, badEvent].map((incident) => ({ incident, events: store.incidents.events(incident.id) })),
      { ...CAP, self: '/api/cap', now: T0 },
    );
    alertsInFeed(feed).forEach((a, n) => (docs[`feed-${n}`] = a));
    for (const [name, xml] of Object.entries(docs)) expect(xml, name).not.toMatch(BROKEN);
    expect(feed).not.toMatch(BROKEN);
    const errors = await validateCaps(docs);
    expect(Object.values(errors).flat()).toEqual([]);
    expect(Object.keys(errors)).toHaveLength(6);
  });

  it('review: the telemetry window moves to the opening time, times and durations it cannot show print —', async () => {
    store.telemetry.writeReadings([makeReading({ ts: T0 - 60_000, metrics: { waterLevel: 0.61 } })]);
    await store.telemetry.flush();
    const huge = stored({ id: 'inc-huge', firstDetectionTs: 1e300, closedAt: Number.NaN });
    const record = await buildReview(huge, store.incidents.events(huge.id), store.telemetry, T0 + 120_000);
    expect(record.telemetry).toMatchObject({ from: T0 - 15 * 60_000, to: T0 + 120_000 });
    expect(record.telemetry.series).toEqual([{ deviceId: 'sensor-1', metric: 'waterLevel', points: [{ ts: T0 - 60_000, value: 0.61 }] }]);
    expect(record.metrics.timeToAcknowledgeMs).toBe(60_000);
    expect(record.metrics.timeToCloseMs).toBeNull();
    const md = renderReviewMarkdown(record);
    expect(md).toContain('- Time to close: —');
    expect(md).toContain('- sensor-1 waterLevel: 1 points, min 0.61, max 0.61');
    expect(md).not.toMatch(BROKEN);
    expect(JSON.parse(JSON.stringify(record)).incidentId).toBe('inc-huge');

    const nanCreated = stored({ id: 'inc-nan', createdAt: 1e300, firstDetectionTs: Number.NaN });
    const r2 = await buildReview(nanCreated, store.incidents.events(nanCreated.id), store.telemetry, T0);
    expect(r2.telemetry.from).toBe(T0 - 15 * 60_000); // the review's clock, when the incident has no time at all
    expect(r2.metrics.timeToAcknowledgeMs).toBeNull();
    expect(renderReviewMarkdown(r2)).not.toMatch(BROKEN);
  });

  it('review Markdown: a timeline time of 1e300 or NaN and non-finite values print — or are left out of min/max', () => {
    const huge = stored({ id: 'inc-huge' });
    const md = renderReviewMarkdown({
      incidentId: huge.id,
      title: 't',
      severity: 'red',
      category: 'flood',
      department: null,
      state: 'warning',
      timeline: [
        { ts: 1e300, stage: 's', event: 'opened', actor: 'a', note: null },
        { ts: Number.NaN, stage: 's', event: 'detection', actor: 'a', note: null },
      ],
      metrics: {
        timeToAcknowledgeMs: Number.NaN,
        timeToDispatchMs: null,
        timeToResolveMs: Number.POSITIVE_INFINITY,
        timeToCloseMs: null,
        deadlineMet: true,
        detections: 1,
        reopened: 0,
      },
      telemetry: {
        from: Number.NaN,
        to: 1e300,
        source: 'sqlite',
        series: [
          { deviceId: 'd', metric: 'm', points: [{ ts: 1, value: Number.NaN }] },
          {
            deviceId: 'd',
            metric: 'n',
            points: [
              { ts: 1, value: Number.NaN },
              { ts: 2, value: 3 },
            ],
          },
        ],
      },
      rootCause: null,
      lessons: null,
      actions: [],
      rule: null,
    });
    expect(md).toContain('| — | s | a |  |');
    expect(md).toContain('— → — (from sqlite)');
    expect(md).toContain('- d m: 1 points, no finite value');
    expect(md).toContain('- d n: 2 points, min 3, max 3');
    expect(md).not.toMatch(BROKEN);
  });

  it('evaluation: a month it cannot name is (unknown); durations without a time are left out; the CSV has no NaN', () => {
    const nan = stored({ id: 'inc-nan', createdAt: 1e300 });
    const ok = stored({ id: 'inc-ok' });
    const cases = [nan, ok].map((incident) => ({ incident, events: store.incidents.events(incident.id) }));
    const { rows, total } = evaluate(cases, { period: 'month' });
    expect(rows.map((r) => r.period)).toEqual(['(unknown)', '2025-06']);
    expect(total.timeToAcknowledgeMs).toMatchObject({ n: 1, p50: 60_000 });
    const csv = evaluationCsv(rows, total);
    expect(csv).not.toMatch(BROKEN);
    expect(csv.split('\r\n')[1]).toMatch(/^\(unknown\),all,1,/);
  });

  it('GET /api/evaluation: a time after year 9999 is a 400 naming it, not a 500 echoing it', async () => {
    const [route] = evaluationRoutes({ cases: store.cases, clock: () => T0 });
    const get = (q: string) => route!.handler({ params: {}, query: new URLSearchParams(q), body: undefined });
    expect(await get('to=253402300800000')).toMatchObject({
      status: 400,
      body: { error: { issues: [{ path: 'to', message: 'must be a time before year 10000' }] } },
    });
    expect(await get(`to=${T0}`)).toMatchObject({ status: 200, body: { to: '2025-06-01T08:00:00.000Z' } });
  });
});
