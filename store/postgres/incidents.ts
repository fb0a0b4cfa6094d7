// IncidentStore on PostgreSQL: the incident as jsonb plus indexed columns, and the append-only
// incident_events table. Several nodes write at once, so inside a transaction a read of an
// incident locks its row (FOR UPDATE): two nodes' read-modify-write of one incident take turns.
// Each write of an incident and its event is one statement, so atomic with or without a
// transaction around it.
import type { Incident, IncidentEvent } from '../../model/incident.js';
import { PgError, StoreError } from '../errors.js';
import { clampLimit } from '../sqlite-incidents.js';
import type { IncidentQuery, IncidentStore } from '../types.js';
import { jsonb } from './json.js';
import { OPEN_STATES_SQL } from './schema.js';
import type { SyncPg } from './sync-pg.js';

type BodyRow = { body: Incident };
type EventRow = { id: number; body: Omit<IncidentEvent, 'id'> };

const COLUMNS = 'id, state, severity, category, grid, district, dedup_key, reopened, created_at, updated_at, body';
const VALUES = '$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::jsonb';

const INSERT = `
  WITH i AS (INSERT INTO incidents (${COLUMNS}) VALUES (${VALUES}) RETURNING id)
  INSERT INTO incident_events (incident_id, ts, type, body) SELECT id, $12, $13, $14::jsonb FROM i RETURNING id`;
// No row updated, no event inserted: the caller learns the incident does not exist.
const UPDATE = `
  WITH u AS (
    UPDATE incidents SET state = $2, severity = $3, category = $4, grid = $5, district = $6, dedup_key = $7,
      reopened = $8, created_at = $9, updated_at = $10, body = $11::jsonb
    WHERE id = $1 RETURNING id)
  INSERT INTO incident_events (incident_id, ts, type, body) SELECT id, $12, $13, $14::jsonb FROM u RETURNING id`;
const GET = 'SELECT body FROM incidents WHERE id = $1';
const OPEN_BY_DEDUP = `SELECT body FROM incidents WHERE dedup_key = $1 AND state IN (${OPEN_STATES_SQL})
  ORDER BY created_at DESC, ord DESC LIMIT 1`;
const LIST_OPEN = `SELECT body FROM incidents WHERE state IN (${OPEN_STATES_SQL}) ORDER BY created_at, ord`;
const EVENTS = 'SELECT id, body FROM incident_events WHERE incident_id = $1 ORDER BY id';
// One statement for every filter shape; an absent filter is NULL. pg plans each call with its
// values, so the NULL branches fold away and the indexes serve what is asked.
const LIST = `
  SELECT body FROM incidents
  WHERE ($1::text[] IS NULL OR state = ANY ($1))
    AND ($2::text[] IS NULL OR severity = ANY ($2))
    AND ($3::text IS NULL OR category = $3)
    AND ($4::text IS NULL OR grid = $4)
    AND ($5::text IS NULL OR district = $5)
    AND ($6::text IS NULL OR body ->> 'department' = $6)
    AND ($7::text IS NULL OR body ->> 'department' = $7
      OR body -> 'escalation' -> 'notified' ? $7
      OR body -> 'supervisedBy' ? $7
      OR ($8::boolean AND (body -> 'overdue' -> 0 IS NOT NULL OR jsonb_typeof(body -> 'escalation') <> 'null')))
    AND ($9::bigint IS NULL OR created_at >= $9)
  ORDER BY created_at DESC, ord DESC
  LIMIT $10`;

const row = (i: Incident) => [
  i.id,
  i.state,
  i.severity,
  i.category,
  i.grid ?? null,
  i.district ?? null,
  i.dedupKey ?? null,
  i.reopened ?? 0,
  i.createdAt,
  i.updatedAt,
  jsonb(i),
];

/** The event's columns; the stored body leaves out id, the row id being its one source of truth. */
const eventValues = (event: IncidentEvent) => {
  const { id: _ignored, ...rest } = event;
  return [event.ts, event.type, jsonb(rest)];
};

/** Build the PostgreSQL IncidentStore over a migrated database. */
export function createPgIncidentStore(db: SyncPg): IncidentStore {
  const checkPair = (incident: Incident, event: IncidentEvent): void => {
    if (event.incidentId !== incident.id) {
      throw new StoreError('invalid', `event is for incident ${event.incidentId}, not ${incident.id}`);
    }
  };
  // Rows read inside a transaction are locked until it ends: this node's decision on them stands.
  const read = (sql: string, params: unknown[]) => db.query<BodyRow>(db.inTransaction() ? `${sql} FOR UPDATE` : sql, params)[0]?.body;

  return {
    insertIncident(incident, event) {
      checkPair(incident, event);
      try {
        const [stored] = db.query<{ id: number }>(INSERT, [...row(incident), ...eventValues(event)]);
        return { ...event, id: stored!.id };
      } catch (err) {
        if (err instanceof PgError && err.code === '23505') {
          // Another node opened the key's incident first: a second attempt attaches to it.
          const openKey = err.info.constraint === 'incidents_open_dedup';
          const message = openKey
            ? `an open incident already holds dedup key ${incident.dedupKey ?? ''}`
            : `incident ${incident.id} already exists`;
          throw new StoreError('duplicate', message, openKey, { cause: err });
        }
        throw err;
      }
    },
    updateIncident(incident, event) {
      checkPair(incident, event);
      const [stored] = db.query<{ id: number }>(UPDATE, [...row(incident), ...eventValues(event)]);
      if (stored === undefined) throw new StoreError('not_found', `incident ${incident.id} does not exist`);
      return { ...event, id: stored.id };
    },
    getIncident: (id) => read(GET, [id]),
    findOpenByDedupKey: (dedupKey) => read(OPEN_BY_DEDUP, [dedupKey]),
    listOpen: () => db.query<BodyRow>(LIST_OPEN).map((r) => r.body),
    events: (incidentId) => db.query<EventRow>(EVENTS, [incidentId]).map((r) => ({ ...r.body, id: r.id }) as IncidentEvent),
    listIncidents(query: IncidentQuery) {
      const rows = db.query<BodyRow>(LIST, [
        query.state && query.state.length > 0 ? query.state : null,
        query.severity && query.severity.length > 0 ? query.severity : null,
        query.category ?? null,
        query.grid ?? null,
        query.district ?? null,
        query.department ?? null,
        query.visibleTo?.department ?? null,
        query.visibleTo?.office ?? false,
        query.since ?? null,
        clampLimit(query.limit),
      ]);
      return rows.map((r) => r.body);
    },
  };
}
