// The IncidentStore contract (contracts/incidents.ts) on SQLite, and what only SQLite has: its file's integrity.
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../../store/index.js';
import { incidentStoreContract } from './contracts/incidents.js';
import { sqliteBackend } from './contracts/sqlite-backend.js';
import { T0, captureLogger, makeEvent, makeIncident, tempDir } from './fixtures.js';

incidentStoreContract(sqliteBackend());

describe('SQLite IncidentStore file', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => {
    tmp = tempDir();
  });
  afterEach(() => tmp.remove());

  it('stays intact when updates change only the body or also indexed columns', async () => {
    const store = openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger });
    const inc = makeIncident({ id: 'a', grid: 'g1', district: 'd1', severity: 'yellow' });
    store.incidents.insertIncident(inc, makeEvent(inc.id));
    store.incidents.updateIncident({ ...inc, detections: 2, updatedAt: T0 + 1 }, makeEvent(inc.id, { type: 'detection' }));
    store.incidents.updateIncident({ ...inc, severity: 'red', grid: 'g2', updatedAt: T0 + 2 }, makeEvent(inc.id, { type: 'escalated' }));
    await store.close();
    const db = new Database(store.health().path, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    db.close();
  });
});
