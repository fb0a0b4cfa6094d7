// SilenceStore on PostgreSQL: each silence as jsonb plus its time bounds (indexed for "active at").
// version() is a counter row every put bumps, so a silence written by any node is seen by all.
import type { Silence } from '../../model/index.js';
import type { SilenceStore } from '../types.js';
import { jsonb } from './json.js';
import type { SyncPg } from './sync-pg.js';

type BodyRow = { body: Silence };

const PUT = `
  WITH v AS (UPDATE silences_version SET version = version + 1 WHERE id = 1)
  INSERT INTO silences (id, starts_at, ends_at, created_at, body) VALUES ($1, $2, $3, $4, $5::jsonb)
  ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, ends_at = excluded.ends_at, body = excluded.body`;
const GET = 'SELECT body FROM silences WHERE id = $1';
const LIST = 'SELECT body FROM silences ORDER BY created_at DESC, ord DESC LIMIT 1000';
const UNENDED = 'SELECT body FROM silences WHERE ends_at > $1 ORDER BY created_at, ord';
const VERSION = 'SELECT version FROM silences_version WHERE id = 1';

/** Build the PostgreSQL SilenceStore over a migrated database. */
export function createPgSilenceStore(db: SyncPg): SilenceStore {
  return {
    put: (s) => void db.query(PUT, [s.id, s.startsAt, s.endsAt, s.createdAt, jsonb(s)]),
    get: (id) => db.query<BodyRow>(GET, [id])[0]?.body,
    list: () => db.query<BodyRow>(LIST).map((r) => r.body),
    unendedAt: (now) => db.query<BodyRow>(UNENDED, [now]).map((r) => r.body),
    version: () => db.query<{ version: number }>(VERSION)[0]?.version ?? 0,
  };
}
