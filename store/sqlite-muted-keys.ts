// MutedKeyStore on SQLite: raises muted by a silence or an inhibiting incident whose rule has not
// cleared (alerts/muted-keys.ts), one row per dedup key. Written in the same transaction as the
// muting, so after a restart the raise the rule no longer repeats is still waiting for its mute to end.
import type { Database } from 'better-sqlite3';
import { MutedKey } from '../model/index.js';
import type { MutedKeyStore } from './types.js';

/** Migration 6. IF NOT EXISTS: the store also creates it at open, as rule_state does. */
export const MUTED_KEYS_SQL = `
  CREATE TABLE IF NOT EXISTS muted_keys (
    key      TEXT PRIMARY KEY,
    muted_at INTEGER NOT NULL,
    body     TEXT NOT NULL
  );
`;

/** Build the SQLite MutedKeyStore over an open database. */
export function createSqliteMutedKeyStore(db: Database): MutedKeyStore {
  db.exec(MUTED_KEYS_SQL);
  const upsert = db.prepare<[string, number, string]>(
    'INSERT INTO muted_keys (key, muted_at, body) VALUES (?, ?, ?) ON CONFLICT (key) DO UPDATE SET body = excluded.body',
  );
  const remove = db.prepare<[string]>('DELETE FROM muted_keys WHERE key = ?');
  const all = db.prepare<[], { body: string }>('SELECT body FROM muted_keys ORDER BY muted_at, rowid');
  return {
    put: (m) => void upsert.run(m.key, m.spans[0]!.from, JSON.stringify(m)),
    delete: (key) => void remove.run(key),
    // A row that no longer parses (a detection shape changed) is skipped, not fatal at start.
    load: () =>
      all.all().flatMap((r) => {
        const m = MutedKey.safeParse(JSON.parse(r.body));
        return m.success ? [m.data] : [];
      }),
  };
}
