// The PostgreSQL schema of cluster mode: numbered migrations, applied at open in one transaction
// under an advisory lock (several nodes may open at once), the last one noted in schema_version.
// Append new entries only: an applied migration is never edited. Times are ms-epoch bigints, as
// the contracts use them; what SQLite keeps as JSON text is jsonb here.
import { StoreError } from '../errors.js';
import { OPEN_STATES } from '../../model/incident.js';
import type { SyncPg } from './sync-pg.js';

export interface PgMigration {
  version: number;
  description: string;
  sql: string;
}

/** The open states as SQL literals: constants of our own code (model/incident.ts). */
export const OPEN_STATES_SQL = OPEN_STATES.map((s) => `'${s.replace(/'/g, "''")}'`).join(', ');

export const PG_MIGRATIONS: readonly PgMigration[] = [
  {
    version: 1,
    description:
      'incidents, their event log, the alert log and its seq, silences, muted keys, follow-ups, evidence, rule state and versions',
    sql: `
      CREATE TABLE incidents (
        id         text PRIMARY KEY,
        state      text NOT NULL,
        severity   text NOT NULL,
        category   text NOT NULL,
        grid       text,
        district   text,
        dedup_key  text,
        reopened   integer NOT NULL,
        created_at bigint NOT NULL,
        updated_at bigint NOT NULL,
        -- Insertion order: the tie-break among incidents created in the same ms.
        ord        bigint GENERATED ALWAYS AS IDENTITY,
        body       jsonb NOT NULL
      );
      CREATE INDEX incidents_created ON incidents (created_at, ord);
      CREATE INDEX incidents_state ON incidents (state, created_at);
      CREATE INDEX incidents_dedup ON incidents (dedup_key, state);
      CREATE INDEX incidents_grid ON incidents (grid, created_at);
      CREATE INDEX incidents_district ON incidents (district, created_at);
      -- Two nodes opening an incident for one key at once: the second insert fails and its
      -- caller runs again, finding the first. A reopened case (返工) may be open beside a newer
      -- one of its key, so it is left out.
      CREATE UNIQUE INDEX incidents_open_dedup ON incidents (dedup_key)
        WHERE dedup_key IS NOT NULL AND reopened = 0 AND state IN (${OPEN_STATES_SQL});

      -- Append-only; id is the timeline order (an incident's events are written under its row lock).
      CREATE TABLE incident_events (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        incident_id text NOT NULL REFERENCES incidents (id),
        ts          bigint NOT NULL,
        type        text NOT NULL,
        body        jsonb NOT NULL
      );
      CREATE INDEX incident_events_incident ON incident_events (incident_id, id);

      -- The one global seq of every node's /ws: a single row, bumped inside the appending
      -- transaction, so its lock orders the commits by seq and a rollback gives the seq back.
      CREATE TABLE alert_seq (
        id  integer PRIMARY KEY CHECK (id = 1),
        seq bigint NOT NULL
      );
      INSERT INTO alert_seq (id, seq) VALUES (1, 0);
      CREATE TABLE alert_log (
        seq  bigint PRIMARY KEY,
        ts   bigint NOT NULL,
        type text NOT NULL,
        body jsonb NOT NULL
      );

      CREATE TABLE silences (
        id         text PRIMARY KEY,
        starts_at  bigint NOT NULL,
        ends_at    bigint NOT NULL,
        created_at bigint NOT NULL,
        ord        bigint GENERATED ALWAYS AS IDENTITY,
        body       jsonb NOT NULL
      );
      CREATE INDEX silences_window ON silences (ends_at, starts_at);
      CREATE INDEX silences_created ON silences (created_at, ord);
      -- Bumped by every put, whichever node: SilenceStore.version() is one read of it.
      CREATE TABLE silences_version (
        id      integer PRIMARY KEY CHECK (id = 1),
        version bigint NOT NULL
      );
      INSERT INTO silences_version (id, version) VALUES (1, 0);

      CREATE TABLE muted_keys (
        key      text PRIMARY KEY,
        muted_at bigint NOT NULL,
        ord      bigint GENERATED ALWAYS AS IDENTITY,
        body     jsonb NOT NULL
      );

      CREATE TABLE follow_ups (
        token_hash    text PRIMARY KEY,
        incident_id   text NOT NULL REFERENCES incidents (id),
        created_at    bigint NOT NULL,
        expires_at    bigint NOT NULL,
        answered_at   bigint,
        superseded_at bigint
      );
      CREATE INDEX follow_ups_incident ON follow_ups (incident_id);

      CREATE TABLE evidence (
        incident_id  text PRIMARY KEY REFERENCES incidents (id),
        rule_id      text,
        status       text NOT NULL,
        triggered_at bigint NOT NULL,
        due_at       bigint NOT NULL,
        body         jsonb NOT NULL
      );
      CREATE INDEX evidence_rule ON evidence (rule_id, triggered_at);
      CREATE INDEX evidence_status ON evidence (status, due_at);

      CREATE TABLE rule_state (
        rule_hash    text NOT NULL,
        key          text NOT NULL,
        rule_id      text NOT NULL,
        rule_version integer NOT NULL,
        -- A wake time may be a device's reading time, which may hold a fraction of a ms.
        wake_at      double precision,
        saved_at     bigint NOT NULL,
        state        jsonb NOT NULL,
        PRIMARY KEY (rule_hash, key)
      );

      CREATE TABLE rule_versions (
        rule_id text NOT NULL,
        version integer NOT NULL,
        ts      bigint NOT NULL,
        author  text NOT NULL,
        body    jsonb NOT NULL,
        PRIMARY KEY (rule_id, version)
      );
      CREATE TABLE rule_set_override (
        id        integer PRIMARY KEY CHECK (id = 1),
        ts        bigint NOT NULL,
        author    text NOT NULL,
        file_hash text NOT NULL,
        body      jsonb NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'telemetry: readings, detections and incident event points, each stored once per series and time',
    sql: `
      -- A redelivered reading is the same device, channel, ts and body (but for when it was
      -- received): stored once (ON CONFLICT DO NOTHING). Two different readings of one device in
      -- one millisecond are both kept.
      CREATE TABLE readings (
        device_id text COLLATE "C" NOT NULL,
        ts        bigint NOT NULL,
        channel   text NOT NULL,
        kind      text NOT NULL,
        district  text,
        grid      text,
        lat       double precision,
        lon       double precision,
        body      jsonb NOT NULL
      );
      CREATE UNIQUE INDEX readings_once ON readings (device_id, ts, channel, kind, md5((body - 'receivedAt')::text));
      CREATE INDEX readings_grid_ts ON readings (grid, ts);
      CREATE INDEX readings_ts ON readings (ts);

      -- A detection made again from a redelivered reading is the same rule, key, phase and ts.
      CREATE TABLE detections (
        rule_id   text NOT NULL,
        dedup_key text NOT NULL,
        ts        bigint NOT NULL,
        phase     text NOT NULL,
        id        text NOT NULL,
        device_id text NOT NULL,
        severity  text NOT NULL,
        category  text NOT NULL,
        district  text,
        grid      text,
        body      jsonb NOT NULL,
        PRIMARY KEY (rule_id, dedup_key, ts, phase)
      );
      CREATE INDEX detections_device_ts ON detections (device_id, ts);
      CREATE INDEX detections_grid_ts ON detections (grid, ts);
      CREATE INDEX detections_ts ON detections (ts);

      -- Incident events flattened with their incident's dimensions at the time, for dashboards
      -- on the telemetry tables alone (as InfluxDB's incident_event measurement).
      CREATE TABLE incident_event_points (
        incident_id text NOT NULL,
        event_id    bigint NOT NULL,
        ts          bigint NOT NULL,
        type        text NOT NULL,
        state       text NOT NULL,
        severity    text NOT NULL,
        category    text NOT NULL,
        district    text,
        grid        text,
        department  text,
        actor       text NOT NULL,
        body        jsonb NOT NULL,
        PRIMARY KEY (incident_id, event_id)
      );
      CREATE INDEX incident_event_points_ts ON incident_event_points (ts);
    `,
  },
  {
    version: 3,
    description: 'detection claims: a detection made again after a partition moved is handled once',
    sql: `
      CREATE TABLE detection_claims (
        id  text COLLATE "C" PRIMARY KEY,
        at  bigint NOT NULL
      );
      CREATE INDEX detection_claims_at ON detection_claims (at);
    `,
  },
];

/** The advisory lock key every node takes to create or migrate the schema. */
const SCHEMA_LOCK_SQL = "SELECT pg_advisory_xact_lock(hashtext('citysense:schema'))";

/**
 * Create or migrate the schema, in one transaction under an advisory lock, so of several nodes
 * opening at once one migrates and the others find it done. Returns the schema version.
 */
export function migratePostgres(db: SyncPg, migrations: readonly PgMigration[] = PG_MIGRATIONS): number {
  const latest = Math.max(0, ...migrations.map((m) => m.version));
  return db.transaction(() => {
    db.query(SCHEMA_LOCK_SQL);
    db.query(`CREATE TABLE IF NOT EXISTS schema_version (
      id         integer PRIMARY KEY CHECK (id = 1),
      version    integer NOT NULL,
      updated_at bigint NOT NULL
    )`);
    let current = db.query<{ version: number }>('SELECT version FROM schema_version WHERE id = 1')[0]?.version ?? 0;
    if (current > latest) throw new StoreError('invalid', `the database has schema ${current}, newer than this build (${latest})`);
    for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
      if (m.version <= current) continue;
      db.query(m.sql);
      current = m.version;
    }
    db.query(
      `INSERT INTO schema_version (id, version, updated_at) VALUES (1, $1, $2)
       ON CONFLICT (id) DO UPDATE SET version = excluded.version, updated_at = excluded.updated_at
       WHERE schema_version.version <> excluded.version`,
      [current, Date.now()],
    );
    return current;
  });
}
