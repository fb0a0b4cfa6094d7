// Telemetry in PostgreSQL (store/postgres/telemetry.ts) on a real server: the telemetry contract
// the SQLite store passes; each reading and detection stored once per series and time however
// often it comes; and nothing dropped silently when a batch fails, for good or for now.
import type pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clusterServersMissing, startPostgres, type Postgres } from '../../harness/index.js';
import type { PgTelemetrySink, PostgresStore } from '../../store/index.js';
import { telemetryContract } from '../unit/store/contracts/telemetry.js';
import { T0, captureLogger, makeDetection, makeEvent, makeIncident, makeReading } from '../unit/store/fixtures.js';
import { postgresBackend, type PostgresBackend } from './postgres-backend.js';

const DAY = 86_400_000;

describe.skipIf(clusterServersMissing())('PostgreSQL telemetry', () => {
  let server: Postgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.close());

  telemetryContract(postgresBackend(() => server, { telemetry: true, now: () => T0 }));

  describe('series and time', () => {
    let backend: PostgresBackend;
    let store: PostgresStore;
    let sink: PgTelemetrySink;
    let sql: pg.Client;
    const count = async (table: string) => Number((await sql.query(`SELECT count(*) AS n FROM ${table}`)).rows[0].n);
    beforeAll(async () => {
      backend = postgresBackend(() => server, { telemetry: true, now: () => T0 });
      sql = await backend.client();
    });
    beforeEach(async () => {
      store = await backend.fresh();
      sink = store.telemetry!;
    });
    afterAll(() => backend.dispose());

    it('stores a reading written twice once: in one batch, in two, or by two nodes', async () => {
      const r = makeReading({ metrics: { waterLevel: 0.4 } });
      sink.writeReadings([r, r]);
      await sink.flush();
      sink.writeReadings([r]);
      await sink.flush();
      const other = backend.open({ telemetry: true, now: () => T0 });
      other.telemetry!.writeReadings([r]);
      await other.telemetry!.flush();
      expect(await sink.queryReadings({ from: T0, to: T0 })).toEqual([r]);
      expect(await count('readings')).toBe(1);
      // Another channel, kind or time of the same device is another reading.
      sink.writeReadings([
        { ...r, channel: 'status', status: 'online', metrics: {} },
        { ...r, ts: T0 + 1 },
      ]);
      await sink.flush();
      expect(await count('readings')).toBe(3);
      // The same reading received again later is the same reading; another one in the same ms is not.
      sink.writeReadings([
        { ...r, receivedAt: r.receivedAt + 500 },
        { ...r, metrics: { waterLevel: 0.5 } },
      ]);
      await sink.flush();
      expect(await count('readings')).toBe(4);
    });

    it('stores a detection made again (same rule, key, phase and time) once, whatever its id', async () => {
      sink.writeDetections([makeDetection({ id: 'det-1' }), makeDetection({ id: 'det-1-again' })]);
      sink.writeDetections([makeDetection({ id: 'det-2', phase: 'clear' }), makeDetection({ id: 'det-3', ts: T0 + 1 })]);
      await sink.flush();
      expect((await sql.query('SELECT id FROM detections ORDER BY ts, phase')).rows.map((r) => r.id)).toEqual(['det-2', 'det-1', 'det-3']);
      expect(sink.health()).toMatchObject({ ok: true, queued: 0, failed: 0 });
    });

    it('keeps a reading as it came: a fraction of a ms, a status, events and a mission', async () => {
      const rows = [
        makeReading({ ts: T0 + 0.25, receivedAt: T0 + 1 }),
        makeReading({
          deviceId: 'cam-1',
          kind: 'camera',
          channel: 'event',
          ts: T0 + 2,
          metrics: {},
          events: [{ type: 'crowd', confidence: 0.9, count: 40 }],
        }),
        makeReading({
          deviceId: 'uav-1',
          kind: 'drone',
          ts: T0 + 3,
          mission: 'm-1',
          loc: { lat: 1, lon: 2, alt: 120 },
          metrics: { battery: 80 },
        }),
        makeReading({ deviceId: 'cam-1', kind: 'camera', channel: 'status', status: 'offline', departed: true, ts: T0 + 4, metrics: {} }),
      ];
      sink.writeReadings(rows);
      expect(await sink.queryReadings({ from: T0, to: T0 + 10 })).toEqual(rows);
    });

    it('writes incident events once per incident and event, with the incident’s dimensions of the time', async () => {
      const incident = makeIncident({ department: 'water' });
      const event = { ...makeEvent(incident.id), id: 7 };
      sink.writeIncidentEvents([{ incident, event }]);
      sink.writeIncidentEvents([{ incident: { ...incident, state: 'acknowledged' }, event }]);
      await sink.flush();
      expect((await sql.query('SELECT incident_id, event_id, ts, type, state, department, actor FROM incident_event_points')).rows).toEqual(
        [
          {
            incident_id: incident.id,
            event_id: '7',
            ts: String(T0),
            type: 'opened',
            state: 'warning',
            department: 'water',
            actor: 'rule:water-high',
          },
        ],
      );
    });

    it('deletes readings and detections past retention', async () => {
      sink.writeReadings([makeReading({ ts: T0 - 8 * DAY }), makeReading({ ts: T0 - 6 * DAY })]);
      sink.writeDetections([makeDetection({ ts: T0 - 8 * DAY })]);
      await sink.flush();
      expect(await store.maintain()).toEqual({ readings: 1, detections: 1, alertLog: 0 });
      expect(await count('readings')).toBe(1);
    });

    it('narrows a row PostgreSQL refuses down to that row: the rest is stored, the one counted as failed', async () => {
      const { logger, lines } = captureLogger();
      const own = backend.open({ telemetry: true, now: () => T0, logger });
      const good = Array.from({ length: 99 }, (_, n) => makeReading({ ts: T0 + n }));
      // Past bigint's range: a data error of this row alone.
      own.telemetry!.writeReadings([...good.slice(0, 40), makeReading({ ts: 1e20 }), ...good.slice(40)]);
      await expect(own.telemetry!.flush()).rejects.toMatchObject({ code: 'write_failed' });
      expect(await count('readings')).toBe(99);
      expect(own.telemetry!.health()).toMatchObject({ ok: true, failed: 1, queued: 0, written: 99 });
      expect(lines.some((l) => l.msg === 'telemetry rows refused by PostgreSQL' && l.rows === 1)).toBe(true);
      // The loss was reported once; later rows flush as usual.
      own.telemetry!.writeReadings([makeReading({ ts: T0 + 500 })]);
      await own.telemetry!.flush();
    });

    it('counts a batch refused for good (its table is gone) as failed and rejects the flush waiting for it', async () => {
      await sql.query('ALTER TABLE readings RENAME TO readings_away');
      try {
        sink.writeReadings([makeReading(), makeReading({ ts: T0 + 1 }), makeReading({ ts: T0 + 2 })]);
        sink.writeDetections([makeDetection()]);
        await expect(sink.flush()).rejects.toMatchObject({ code: 'write_failed', message: expect.stringMatching(/readings/) });
        // One transaction for the batch: the detection went down with it.
        expect(sink.health()).toMatchObject({ failed: 4, queued: 0 });
        expect(sink.stats()).toMatchObject({ refused: 4, writeErrors: 1 });
      } finally {
        await sql.query('ALTER TABLE readings_away RENAME TO readings');
      }
      sink.writeReadings([makeReading()]);
      await sink.flush();
      expect(await count('readings')).toBe(1);
    });

    // Last: the server is stopped for good.
    it('keeps a batch the server could not take (it is gone) for a retry, rejects the flush and says so in health', async () => {
      await server.stop();
      const before = sink.stats();
      sink.writeReadings([makeReading(), makeReading({ ts: T0 + 1 })]);
      await expect(sink.flush()).rejects.toMatchObject({ code: 'write_failed', canRetry: true });
      expect(sink.health()).toMatchObject({ ok: false, state: 'retrying', queued: 2, failed: before.dropped + before.refused });
      expect(sink.stats().writeErrors).toBeGreaterThan(before.writeErrors);
      await expect(store.close()).rejects.toMatchObject({ code: 'write_failed' });
    });
  });
});
