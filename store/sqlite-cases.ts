// Incidents with their timelines over a time range, in two queries: the input of 综合评价
// (alerts/evaluation.ts), which must see every incident in the range, not a page of them.
import type { Database } from 'better-sqlite3';
import type { Incident, IncidentEvent } from '../model/incident.js';
import type { CaseReader } from './types.js';

/** Build the CaseReader over an open, migrated database. */
export function createSqliteCaseReader(db: Database): CaseReader {
  const incidents = db.prepare<[number, number], { body: string }>(
    'SELECT body FROM incidents WHERE created_at >= ? AND created_at < ? ORDER BY created_at, rowid',
  );
  const events = db.prepare<[number, number], { id: number; body: string }>(`
    SELECT e.id, e.body FROM incident_events e JOIN incidents i ON i.id = e.incident_id
    WHERE i.created_at >= ? AND i.created_at < ? ORDER BY e.id`);
  return {
    casesBetween(from, to) {
      const byId = new Map<string, { incident: Incident; events: IncidentEvent[] }>();
      for (const r of incidents.all(from, to)) {
        const incident = JSON.parse(r.body) as Incident;
        byId.set(incident.id, { incident, events: [] });
      }
      for (const r of events.all(from, to)) {
        const ev = { ...(JSON.parse(r.body) as IncidentEvent), id: r.id };
        byId.get(ev.incidentId)?.events.push(ev);
      }
      return [...byId.values()];
    },
  };
}
