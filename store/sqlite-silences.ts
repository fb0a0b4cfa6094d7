// SilenceStore on SQLite: each silence as JSON plus its time bounds (indexed for "active at").
import type { Database } from 'better-sqlite3';
import type { Silence } from '../model/index.js';
import type { SilenceStore } from './types.js';

interface BodyRow {
  body: string;
}

/** Build the SQLite SilenceStore over an open, migrated database. */
export function createSqliteSilenceStore(db: Database): SilenceStore {
  const upsert = db.prepare(`
    INSERT INTO silences (id, starts_at, ends_at, created_at, body) VALUES (@id, @startsAt, @endsAt, @createdAt, @body)
    ON CONFLICT (id) DO UPDATE SET starts_at = excluded.starts_at, ends_at = excluded.ends_at, body = excluded.body`);
  const one = db.prepare<[string], BodyRow>('SELECT body FROM silences WHERE id = ?');
  const all = db.prepare<[], BodyRow>('SELECT body FROM silences ORDER BY created_at DESC, rowid DESC LIMIT 1000');
  const unended = db.prepare<[number], BodyRow>('SELECT body FROM silences WHERE ends_at > ? ORDER BY created_at, rowid');
  // data_version changes when another connection commits to the file; puts here are counted.
  const dataVersion = db.prepare<[], number>('PRAGMA data_version').pluck();
  let puts = 0;
  // Bodies were written by this module from typed values, so they are read back as such.
  const parse = (r: BodyRow) => JSON.parse(r.body) as Silence;
  return {
    put(s) {
      upsert.run({ id: s.id, startsAt: s.startsAt, endsAt: s.endsAt, createdAt: s.createdAt, body: JSON.stringify(s) });
      puts++;
    },
    get: (id) => {
      const r = one.get(id);
      return r ? parse(r) : undefined;
    },
    list: () => all.all().map(parse),
    unendedAt: (now) => unended.all(now).map(parse),
    version: () => puts + (dataVersion.get() ?? 0),
  };
}
