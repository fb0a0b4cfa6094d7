// Incidents with their timelines over a time range, in two queries: the input of 综合评价
// (alerts/evaluation.ts), which must see every incident in the range, not a page of them.
import type { Incident, IncidentEvent } from '../../model/incident.js';
import type { CaseReader } from '../types.js';
import type { SyncPg } from './sync-pg.js';

const INCIDENTS = 'SELECT body FROM incidents WHERE created_at >= $1 AND created_at < $2 ORDER BY created_at, ord';
const EVENTS = `
  SELECT e.id, e.body FROM incident_events e JOIN incidents i ON i.id = e.incident_id
  WHERE i.created_at >= $1 AND i.created_at < $2 ORDER BY e.id`;

/** Build the PostgreSQL CaseReader over a migrated database. */
export function createPgCaseReader(db: SyncPg): CaseReader {
  return {
    casesBetween(from, to) {
      // created_at is whole ms: ≥ 10.5 is ≥ 11 and < 10.5 is < 11 (and the bigint index still serves it).
      const range = [Math.ceil(from), Math.ceil(to)];
      const byId = new Map<string, { incident: Incident; events: IncidentEvent[] }>();
      for (const r of db.query<{ body: Incident }>(INCIDENTS, range)) byId.set(r.body.id, { incident: r.body, events: [] });
      for (const r of db.query<{ id: number; body: Omit<IncidentEvent, 'id'> }>(EVENTS, range)) {
        byId.get(r.body.incidentId)?.events.push({ ...r.body, id: r.id } as IncidentEvent);
      }
      return [...byId.values()];
    },
  };
}
