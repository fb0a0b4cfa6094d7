// The SQLite store as a contract backend: a fresh temp folder per store, better-sqlite3 for the second connection.
import path from 'node:path';
import Database from 'better-sqlite3';
import { DB_FILE_NAME, openSqliteStore, type OpenSqliteStoreOptions, type SqliteStore } from '../../../../store/index.js';
import { captureLogger, tempDir } from '../fixtures.js';
import type { StoreBackend } from './backend.js';

/** SQLite stores in temp folders, each removed when released; `extra` options for every open. */
export function sqliteBackend(extra: Partial<OpenSqliteStoreOptions> = {}): StoreBackend<SqliteStore> & { file(): string } {
  let tmp: ReturnType<typeof tempDir> | undefined;
  const file = () => path.join(tmp!.dir, DB_FILE_NAME);
  const open = (o = {}) => openSqliteStore({ dataDir: tmp!.dir, logger: captureLogger().logger, ...extra, ...o });
  const withDb = (fn: (db: Database.Database) => void) => {
    const db = new Database(file());
    try {
      fn(db);
    } finally {
      db.close();
    }
  };
  return {
    name: 'SQLite',
    file,
    async fresh() {
      tmp = tempDir();
      return open();
    },
    async reopen(store, options = {}) {
      await store.close();
      return open(options);
    },
    async release(store) {
      await store.close();
      tmp?.remove();
      tmp = undefined;
    },
    async exec(sql) {
      withDb((db) => db.exec(sql));
    },
    async failEventInserts(message) {
      withDb((db) => db.exec(`CREATE TRIGGER fail_events BEFORE INSERT ON incident_events BEGIN SELECT RAISE(ABORT, '${message}'); END`));
      return async () => withDb((db) => db.exec('DROP TRIGGER fail_events'));
    },
    async dispose() {},
  };
}
