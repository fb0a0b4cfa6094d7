// The store contracts (test/unit/store/contracts) on a real PostgreSQL: the same assertions the
// SQLite store passes, each group on a database of its own; and what opening the store checks.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterServersMissing, startPostgres, type Postgres } from '../../harness/index.js';
import { PG_MIGRATIONS } from '../../store/postgres/schema.js';
import { openPostgresStore } from '../../store/index.js';
import { alertLogContract } from '../unit/store/contracts/alert-log.js';
import { casePartsContract } from '../unit/store/contracts/case-parts.js';
import { incidentStoreContract } from '../unit/store/contracts/incidents.js';
import { captureLogger } from '../unit/store/fixtures.js';
import { postgresBackend } from './postgres-backend.js';

describe.skipIf(clusterServersMissing())('PostgreSQL store contracts', () => {
  let server: Postgres;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.close());

  incidentStoreContract(postgresBackend(() => server));
  alertLogContract(postgresBackend(() => server));
  casePartsContract(postgresBackend(() => server));

  describe('openPostgresStore', () => {
    it('creates the schema, reports its version and leaves the password out of health', async () => {
      const backend = postgresBackend(() => server);
      try {
        const store = await backend.fresh();
        expect(store.health()).toMatchObject({
          ok: true,
          schemaVersion: PG_MIGRATIONS.at(-1)!.version,
          alertLogLastSeq: 0,
          url: backend.url(),
        });
        const withPassword = openPostgresStore({
          url: backend.url().replace('postgres@', 'postgres:s3cret@'),
          logger: captureLogger().logger,
        });
        expect(JSON.stringify(withPassword.health())).not.toContain('s3cret');
        await withPassword.close();
        await withPassword.close(); // idempotent
        expect(withPassword.health()).toMatchObject({ ok: false, error: 'closed' });
      } finally {
        await backend.dispose();
      }
    });

    it('refuses a database whose schema is newer than this build', async () => {
      const backend = postgresBackend(() => server);
      try {
        await backend.fresh();
        await backend.exec('UPDATE schema_version SET version = 99');
        expect(() => openPostgresStore({ url: backend.url() })).toThrow(/schema 99, newer than this build/);
      } finally {
        await backend.dispose();
      }
    });

    it('refuses options it cannot use, naming the field', () => {
      expect(() => openPostgresStore({ url: 'mysql://x' })).toThrow(/url/);
      expect(() => openPostgresStore({ url: 'postgres://x', timeoutMs: 0 })).toThrow(/timeoutMs/);
    });
  });
});
