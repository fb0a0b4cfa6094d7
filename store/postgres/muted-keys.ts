// MutedKeyStore on PostgreSQL: raises muted by a silence or an inhibiting incident, one row per
// dedup key (alerts/muted-keys.ts), written in the muting's own transaction.
import { MutedKey } from '../../model/index.js';
import type { MutedKeyStore } from '../types.js';
import { jsonb } from './json.js';
import type { SyncPg } from './sync-pg.js';

const PUT = `INSERT INTO muted_keys (key, muted_at, body) VALUES ($1, $2, $3::jsonb)
  ON CONFLICT (key) DO UPDATE SET body = excluded.body`;
const DELETE = 'DELETE FROM muted_keys WHERE key = $1';
const ALL = 'SELECT body FROM muted_keys ORDER BY muted_at, ord';

/** Build the PostgreSQL MutedKeyStore over a migrated database. */
export function createPgMutedKeyStore(db: SyncPg): MutedKeyStore {
  return {
    put: (m) => void db.query(PUT, [m.key, m.spans[0]!.from, jsonb(m)]),
    delete: (key) => void db.query(DELETE, [key]),
    // A row that no longer parses (a detection shape changed) is skipped, not fatal at start.
    load: () =>
      db.query<{ body: unknown }>(ALL).flatMap((r) => {
        const m = MutedKey.safeParse(r.body);
        return m.success ? [m.data] : [];
      }),
  };
}
