// The PostgreSQL store as a contract backend (test/unit/store/contracts): a database of its own
// on the file's server, one store kept open across tests and emptied between them (a store's
// connection thread takes ~0.2 s to start under tsx), and a plain pg client as the second connection.
import pg from 'pg';
import type { Postgres } from '../../harness/index.js';
import { openPostgresStore, type OpenPostgresStoreOptions, type PostgresStore } from '../../store/index.js';
import type { ReopenOptions, StoreBackend } from '../unit/store/contracts/backend.js';
import { captureLogger } from '../unit/store/fixtures.js';

let databases = 0;

/** Every table emptied, every counter back to 0, as a new database has them. */
const EMPTY = `
  TRUNCATE incidents, incident_events, alert_log, silences, muted_keys, follow_ups, evidence, rule_state,
    rule_versions, rule_set_override, readings, detections, incident_event_points RESTART IDENTITY;
  UPDATE alert_seq SET seq = 0;
  UPDATE silences_version SET version = 0;`;

export interface PostgresBackend extends StoreBackend<PostgresStore> {
  /** The backend's database (created at first use). */
  url(): string;
  /** Open another store (another node) on the same database. */
  open(extra?: Partial<OpenPostgresStoreOptions>): PostgresStore;
  /** A plain pg client on the same database, closed by dispose(). */
  client(): Promise<pg.Client>;
}

/** Stores on a new database of `server()` (called once the file's beforeAll has started it). */
export function postgresBackend(server: () => Postgres, extra: Partial<OpenPostgresStoreOptions> = {}): PostgresBackend {
  let url: string | undefined;
  let kept: PostgresStore | undefined;
  /** Whether `kept` was opened with options of a test's own. */
  let special = false;
  const clients: pg.Client[] = [];
  const others: PostgresStore[] = [];
  const dbUrl = () => (url ??= server().createDatabase(`contract_${process.pid}_${++databases}`));
  /** Whether a store opened the database: its tables are there. */
  let migrated = false;
  const open = (o: Partial<OpenPostgresStoreOptions> = {}) => {
    const store = openPostgresStore({ url: dbUrl(), logger: captureLogger().logger, ...extra, ...o });
    migrated = true;
    return store;
  };
  const client = async () => {
    const c = new pg.Client({ connectionString: dbUrl() });
    c.on('error', () => undefined); // a server stopped by a test ends its connections
    await c.connect();
    clients.push(c);
    return c;
  };
  let admin: Promise<pg.Client> | undefined;
  const exec = async (sql: string) => {
    await (await (admin ??= client())).query(sql);
  };

  return {
    name: 'PostgreSQL',
    url: dbUrl,
    client,
    open(o) {
      const store = open(o);
      others.push(store);
      return store;
    },
    async fresh() {
      if (kept && special) {
        await kept.close();
        kept = undefined;
      }
      if (migrated) await exec(EMPTY);
      special = false;
      return (kept ??= open());
    },
    async reopen(store, options: ReopenOptions = {}) {
      await store.close();
      special = Object.keys(options).length > 0;
      kept = open(options);
      return kept;
    },
    async release() {},
    exec,
    async failEventInserts(message) {
      await exec(`CREATE FUNCTION fail_events() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${message}'; END $$`);
      await exec('CREATE TRIGGER fail_events BEFORE INSERT ON incident_events FOR EACH ROW EXECUTE FUNCTION fail_events()');
      return async () => exec('DROP TRIGGER fail_events ON incident_events; DROP FUNCTION fail_events()');
    },
    async dispose() {
      await Promise.all([kept, ...others.splice(0)].map((s) => s?.close().catch(() => undefined)));
      await Promise.all(clients.splice(0).map((c) => c.end().catch(() => undefined)));
      kept = undefined;
      admin = undefined;
    },
  };
}
