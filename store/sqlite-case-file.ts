// Read-only access to a service's cases, for `citysense rules replay --incident`: the incident,
// its timeline and its frozen evidence, read beside a running service (WAL) without locking it.
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Evidence } from '../model/index.js';
import type { Incident, IncidentEvent } from '../model/incident.js';
import { StoreError } from './errors.js';
import { hasTable } from './migrations.js';
import { DB_FILE_NAME } from './sqlite.js';

export interface CaseFile {
  incident(id: string): Incident | undefined;
  events(id: string): IncidentEvent[];
  evidence(id: string): Evidence | undefined;
  close(): void;
}

/** Open `${dataDir}/citysense.db` (or a store .db file) read-only. */
export function openCaseFile(dataDirOrFile: string): CaseFile {
  const file = dataDirOrFile.endsWith('.db') ? dataDirOrFile : path.join(dataDirOrFile, DB_FILE_NAME);
  let db: Database.Database;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
  } catch (err) {
    throw new StoreError('invalid', `no store at ${file}: ${(err as Error).message}`);
  }
  const evidence = hasTable(db, 'evidence')
    ? db.prepare<[string], { body: string }>('SELECT body FROM evidence WHERE incident_id = ?')
    : undefined;
  const incident = db.prepare<[string], { body: string }>('SELECT body FROM incidents WHERE id = ?');
  const events = db.prepare<[string], { id: number; body: string }>(
    'SELECT id, body FROM incident_events WHERE incident_id = ? ORDER BY id',
  );
  // Bodies were written by the store from typed values, so they are read back as such.
  return {
    incident: (id) => {
      const r = incident.get(id);
      return r ? (JSON.parse(r.body) as Incident) : undefined;
    },
    events: (id) => events.all(id).map((r) => ({ ...(JSON.parse(r.body) as IncidentEvent), id: r.id })),
    evidence: (id) => {
      const r = evidence?.get(id);
      return r ? (JSON.parse(r.body) as Evidence) : undefined;
    },
    close: () => db.close(),
  };
}
