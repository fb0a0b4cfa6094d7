// IncidentStore on SQLite: the incident as JSON plus indexed columns, and the append-only
// incident_events table. Statements are prepared once, when the store opens.
import type { Database } from 'better-sqlite3';
import { DEFAULT_INCIDENT_LIMIT, MAX_INCIDENT_LIMIT, OPEN_STATES, type Incident, type IncidentEvent } from '../model/incident.js';
import { StoreError } from './errors.js';
import type { IncidentQuery, IncidentStore } from './types.js';

interface BodyRow {
  body: string;
}
interface EventRow {
  id: number;
  body: string;
}

// OPEN_STATES is a constant of our own code, so inlining it as SQL literals is safe and keeps
// findOpenByDedupKey on the (dedup_key, state) index.
const OPEN_SQL = OPEN_STATES.map((s) => `'${s.replace(/'/g, "''")}'`).join(', ');

/** Build the SQLite IncidentStore over an open, migrated database. */
export function createSqliteIncidentStore(db: Database): IncidentStore {
  const insertRow = db.prepare(`
    INSERT INTO incidents (id, state, severity, category, grid, district, dedup_key, created_at, updated_at, body)
    VALUES (@id, @state, @severity, @category, @grid, @district, @dedupKey, @createdAt, @updatedAt, @body)`);
  // Most updates (another detection attached, a note) change none of the indexed columns: then
  // only the row is written. Naming an indexed column in SET rewrites its index entry even when
  // the value is the same, and five index pages per update were most of an incident write's
  // WAL.
  const updateBodyOnly = db.prepare(`
    UPDATE incidents SET updated_at = @updatedAt, body = @body
    WHERE id = @id AND state = @state AND severity = @severity AND category = @category AND grid IS @grid
      AND district IS @district AND dedup_key IS @dedupKey AND created_at = @createdAt`);
  const updateRow = db.prepare(`
    UPDATE incidents SET state = @state, severity = @severity, category = @category, grid = @grid,
      district = @district, dedup_key = @dedupKey, created_at = @createdAt, updated_at = @updatedAt, body = @body
    WHERE id = @id`);
  const insertEvent = db.prepare('INSERT INTO incident_events (incident_id, ts, type, body) VALUES (?, ?, ?, ?)');
  const getOne = db.prepare<[string], BodyRow>('SELECT body FROM incidents WHERE id = ?');
  const openByDedup = db.prepare<[string], BodyRow>(
    `SELECT body FROM incidents WHERE dedup_key = ? AND state IN (${OPEN_SQL})
     ORDER BY created_at DESC, rowid DESC LIMIT 1`,
  );
  const allOpen = db.prepare<[], BodyRow>(`SELECT body FROM incidents WHERE state IN (${OPEN_SQL}) ORDER BY created_at, rowid`);
  const eventsOf = db.prepare<[string], EventRow>('SELECT id, body FROM incident_events WHERE incident_id = ? ORDER BY id');
  // One statement for every filter shape: list filters travel as JSON arrays (json_each),
  // absent filters as NULL, so the statement is prepared once and never rebuilt.
  const list = db.prepare<[Record<string, unknown>], BodyRow>(`
    SELECT body FROM incidents
    WHERE (@states IS NULL OR state IN (SELECT value FROM json_each(@states)))
      AND (@severities IS NULL OR severity IN (SELECT value FROM json_each(@severities)))
      AND (@category IS NULL OR category = @category)
      AND (@grid IS NULL OR grid = @grid)
      AND (@district IS NULL OR district = @district)
      AND (@department IS NULL OR json_extract(body, '$.department') = @department)
      AND (@scope IS NULL OR json_extract(body, '$.department') = @scope
        OR EXISTS (SELECT 1 FROM json_each(body, '$.escalation.notified') WHERE value = @scope)
        OR EXISTS (SELECT 1 FROM json_each(body, '$.supervisedBy') WHERE value = @scope)
        OR (@office = 1 AND (json_array_length(body, '$.overdue') > 0 OR json_extract(body, '$.escalation') IS NOT NULL)))
      AND (@since IS NULL OR created_at >= @since)
    ORDER BY created_at DESC, rowid DESC
    LIMIT @limit`);

  const rowOf = (i: Incident) => ({
    id: i.id,
    state: i.state,
    severity: i.severity,
    category: i.category,
    grid: i.grid ?? null,
    district: i.district ?? null,
    dedupKey: i.dedupKey ?? null,
    createdAt: i.createdAt,
    updatedAt: i.updatedAt,
    body: JSON.stringify(i),
  });

  const appendEvent = (event: IncidentEvent): IncidentEvent => {
    // The stored body leaves out id: the row id is the one source of truth for it.
    const { id: _ignored, ...rest } = event;
    const info = insertEvent.run(event.incidentId, event.ts, event.type, JSON.stringify(rest));
    return { ...event, id: Number(info.lastInsertRowid) };
  };

  const checkPair = (incident: Incident, event: IncidentEvent): void => {
    if (event.incidentId !== incident.id) {
      throw new StoreError('invalid', `event is for incident ${event.incidentId}, not ${incident.id}`);
    }
  };

  const insertTx = db.transaction((incident: Incident, event: IncidentEvent) => {
    try {
      insertRow.run(rowOf(incident));
    } catch (err) {
      if ((err as { code?: unknown }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
        throw new StoreError('duplicate', `incident ${incident.id} already exists`, false, { cause: err });
      }
      throw err;
    }
    return appendEvent(event);
  });

  const updateTx = db.transaction((incident: Incident, event: IncidentEvent) => {
    const row = rowOf(incident);
    if (updateBodyOnly.run(row).changes === 0 && updateRow.run(row).changes === 0) {
      throw new StoreError('not_found', `incident ${incident.id} does not exist`);
    }
    return appendEvent(event);
  });

  // Bodies were written by this module from typed values, so they are read back as such.
  const parse = (row: BodyRow | undefined): Incident | undefined => (row === undefined ? undefined : (JSON.parse(row.body) as Incident));

  return {
    insertIncident(incident, event) {
      checkPair(incident, event);
      return insertTx(incident, event);
    },
    updateIncident(incident, event) {
      checkPair(incident, event);
      return updateTx(incident, event);
    },
    getIncident: (id) => parse(getOne.get(id)),
    findOpenByDedupKey: (dedupKey) => parse(openByDedup.get(dedupKey)),
    listOpen: () => allOpen.all().map((r) => JSON.parse(r.body) as Incident),
    events: (incidentId) => eventsOf.all(incidentId).map((r) => ({ ...(JSON.parse(r.body) as IncidentEvent), id: r.id })),
    listIncidents(query: IncidentQuery) {
      const rows = list.all({
        states: query.state && query.state.length > 0 ? JSON.stringify(query.state) : null,
        severities: query.severity && query.severity.length > 0 ? JSON.stringify(query.severity) : null,
        category: query.category ?? null,
        grid: query.grid ?? null,
        district: query.district ?? null,
        department: query.department ?? null,
        scope: query.visibleTo?.department ?? null,
        office: query.visibleTo?.office ? 1 : 0,
        since: query.since ?? null,
        limit: clampLimit(query.limit),
      });
      return rows.map((r) => JSON.parse(r.body) as Incident);
    },
  };
}

/** Default 100, at most 1000, at least 1; non-integers are truncated. */
export function clampLimit(limit: number | undefined): number {
  if (limit === undefined || !Number.isFinite(limit)) return DEFAULT_INCIDENT_LIMIT;
  return Math.min(MAX_INCIDENT_LIMIT, Math.max(1, Math.trunc(limit)));
}
