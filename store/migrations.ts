// Schema as a numbered list of migrations; `PRAGMA user_version` records the last one applied.
// Append new entries only: an applied migration is never edited.
import path from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { StoreError } from './errors.js';
import { EVIDENCE_SQL } from './sqlite-evidence.js';
import { RULE_STATE_SQL } from './sqlite-rule-state.js';
import { MUTED_KEYS_SQL } from './sqlite-muted-keys.js';
import { RULE_VERSIONS_SQL } from './sqlite-rule-versions.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
  /** Work that cannot run inside the migration's transaction (ATTACH), done just before it. */
  before?: (db: Db) => void;
}

/**
 * Readings and detections as migration 1 created them in the store's file, and as the telemetry
 * file's migration 1 creates them there. Frozen like every applied migration: a change to these
 * tables is a new migration in TELEMETRY_MIGRATIONS.
 */
const TELEMETRY_TABLES_V1 = `
      CREATE TABLE readings (
        ts        INTEGER NOT NULL,
        device_id TEXT NOT NULL,
        kind      TEXT NOT NULL,
        channel   TEXT NOT NULL,
        district  TEXT,
        grid      TEXT,
        lat       REAL,
        lon       REAL,
        body      TEXT NOT NULL
      );
      CREATE INDEX readings_device_ts ON readings (device_id, ts);
      CREATE INDEX readings_grid_ts ON readings (grid, ts);
      CREATE INDEX readings_ts ON readings (ts);

      CREATE TABLE detections (
        ts        INTEGER NOT NULL,
        id        TEXT NOT NULL,
        rule_id   TEXT NOT NULL,
        device_id TEXT NOT NULL,
        severity  TEXT NOT NULL,
        category  TEXT NOT NULL,
        district  TEXT,
        grid      TEXT,
        body      TEXT NOT NULL
      );
      CREATE INDEX detections_device_ts ON detections (device_id, ts);
      CREATE INDEX detections_grid_ts ON detections (grid, ts);
      CREATE INDEX detections_rule_ts ON detections (rule_id, ts);
      CREATE INDEX detections_ts ON detections (ts);
`;

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'incidents, incident events, alert log, readings, detections',
    sql:
      `
      CREATE TABLE incidents (
        id         TEXT PRIMARY KEY,
        state      TEXT NOT NULL,
        severity   TEXT NOT NULL,
        category   TEXT NOT NULL,
        grid       TEXT,
        district   TEXT,
        dedup_key  TEXT,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL,
        body       TEXT NOT NULL
      );
      CREATE INDEX incidents_created ON incidents (created_at);
      CREATE INDEX incidents_state ON incidents (state, created_at);
      CREATE INDEX incidents_dedup ON incidents (dedup_key, state);
      CREATE INDEX incidents_grid ON incidents (grid, created_at);
      CREATE INDEX incidents_district ON incidents (district, created_at);

      -- Append-only: rows are never updated or deleted; id is the timeline order.
      CREATE TABLE incident_events (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id TEXT NOT NULL REFERENCES incidents (id),
        ts          INTEGER NOT NULL,
        type        TEXT NOT NULL,
        body        TEXT NOT NULL
      );
      CREATE INDEX incident_events_incident ON incident_events (incident_id, id);

      -- AUTOINCREMENT: seq never goes back, even after pruning or a restart (WebSocket resume).
      CREATE TABLE alert_log (
        seq  INTEGER PRIMARY KEY AUTOINCREMENT,
        ts   INTEGER NOT NULL,
        type TEXT NOT NULL,
        body TEXT NOT NULL
      );
    ` + TELEMETRY_TABLES_V1,
  },
  {
    version: 2,
    description: 'rule state: per rule, per key (device or grid), restored at start',
    sql: RULE_STATE_SQL,
  },
  {
    version: 3,
    description: 'InfluxDB spool: lines waiting for replay',
    // IF NOT EXISTS: the spool re-runs this on a database that passed version 3 before it existed.
    sql: `
      CREATE TABLE IF NOT EXISTS influx_spool (
        id         INTEGER PRIMARY KEY AUTOINCREMENT,
        spooled_at INTEGER NOT NULL,
        line_count INTEGER NOT NULL,
        body       TEXT NOT NULL
      );
    `,
  },
  {
    version: 4,
    description: 'silences (alert management)',
    sql: `
      CREATE TABLE silences (
        id         TEXT PRIMARY KEY,
        starts_at  INTEGER NOT NULL,
        ends_at    INTEGER NOT NULL,
        created_at INTEGER NOT NULL,
        body       TEXT NOT NULL
      );
      CREATE INDEX silences_window ON silences (ends_at, starts_at);
    `,
  },
  {
    version: 5,
    description: 'telemetry moves to a file of its own (its rows are copied there first)',
    before: moveTelemetryOut,
    sql: `
      DROP TABLE IF EXISTS readings;
      DROP TABLE IF EXISTS detections;
    `,
  },
  {
    version: 6,
    description: 'muted keys: raises muted by a silence or inhibition, waiting for the mute to end',
    sql: MUTED_KEYS_SQL,
  },
  {
    version: 7,
    description: '回访 follow-up links: the SHA-256 of each one-time token, never the token',
    sql: `
      CREATE TABLE IF NOT EXISTS follow_ups (
        token_hash    TEXT PRIMARY KEY,
        incident_id   TEXT NOT NULL REFERENCES incidents (id),
        created_at    INTEGER NOT NULL,
        expires_at    INTEGER NOT NULL,
        answered_at   INTEGER,
        superseded_at INTEGER
      );
      CREATE INDEX IF NOT EXISTS follow_ups_incident ON follow_ups (incident_id);
    `,
  },
  {
    version: 8,
    description: 'evidence frozen with a case at close or false alarm',
    sql: EVIDENCE_SQL,
  },
  {
    version: 9,
    description: 'rule versions, and the rule set PUT over the API when the rule file cannot be written',
    sql: RULE_VERSIONS_SQL,
  },
];

/**
 * The telemetry file's own schema (openTelemetryDb): readings and detections, as they were in
 * the store's file up to its version 4. Its own user_version counts these.
 */
export const TELEMETRY_MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'readings, detections',
    sql: TELEMETRY_TABLES_V1,
  },
];

/** Whether `db` has a table of this name. */
export function hasTable(db: Db, name: string): boolean {
  return db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined;
}

/** Apply every migration above the database's user_version, each in its own transaction. */
export function migrate(db: Db, migrations: readonly Migration[] = MIGRATIONS): number {
  let current = db.pragma('user_version', { simple: true }) as number;
  // In version order whatever the list order; a missing number (a gap) is simply not there.
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    m.before?.(db);
    db.transaction(() => {
      db.exec(m.sql);
      // PRAGMA takes no bound parameters; the version is an integer from this file.
      db.pragma(`user_version = ${Math.trunc(m.version)}`);
    })();
    current = m.version;
  }
  return current;
}

/** The telemetry file beside a store file: `citysense.db` → `citysense-telemetry.db`; `:memory:` stays. */
export function telemetryFileFor(storeFile: string): string {
  if (storeFile === ':memory:' || storeFile === '') return ':memory:';
  const { dir, name } = path.parse(storeFile);
  return path.join(dir, `${name}-telemetry.db`);
}

/** Open (creating and migrating as needed) a telemetry file: WAL, synchronous=NORMAL, like the store's. */
export function openTelemetryDb(file: string, busyTimeoutMs: number): Db {
  const db = new Database(file, { timeout: busyTimeoutMs });
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    const version = db.pragma('user_version', { simple: true }) as number;
    const latest = TELEMETRY_MIGRATIONS[TELEMETRY_MIGRATIONS.length - 1]?.version ?? 0;
    if (version > latest) throw new StoreError('invalid', `${file} has schema ${version}, newer than this build (${latest})`);
    migrate(db, TELEMETRY_MIGRATIONS);
    // Which store files' rows were copied in (moveTelemetryOut), so a copy interrupted before
    // the store dropped its tables is not made twice.
    db.exec('CREATE TABLE IF NOT EXISTS copied_from (source TEXT PRIMARY KEY, at INTEGER NOT NULL)');
  } catch (err) {
    db.close();
    throw err;
  }
  return db;
}

/**
 * What a copy out of this store file is noted as: the file and its rows (a restored older copy
 * of the store is another set of rows, to be copied too).
 */
export function telemetryCopyKey(db: Db): string {
  const rows = (table: string) => {
    const r = db.prepare(`SELECT count(*) AS n, max(rowid) AS last FROM ${table}`).get() as { n: number; last: number | null };
    return `${r.n}/${r.last ?? 0}`;
  };
  return `${path.basename(db.name)} readings ${rows('readings')} detections ${rows('detections')}`;
}

/**
 * Migration 5, before its transaction: copy the readings and detections of a store file of
 * version ≤ 4 into its telemetry file. Two transactions on two files cannot be one: the copy
 * commits in the telemetry file with a note that it was made, then migration 5 drops the
 * tables here; a crash between the two finds the note and does not copy again.
 */
function moveTelemetryOut(db: Db): void {
  const file = telemetryFileFor(db.name);
  if (file === ':memory:' || !hasTable(db, 'readings')) return;
  const key = telemetryCopyKey(db);
  const target = openTelemetryDb(file, 5000);
  const copied = target.prepare('SELECT 1 FROM copied_from WHERE source = ?').get(key);
  target.close();
  if (copied) return;
  db.prepare('ATTACH DATABASE ? AS telemetry').run(file);
  try {
    const readings = 'ts, device_id, kind, channel, district, grid, lat, lon, body';
    const detections = 'ts, id, rule_id, device_id, severity, category, district, grid, body';
    // Writes only the telemetry file, so it commits (or not) as a whole there.
    db.transaction(() => {
      db.exec(`INSERT INTO telemetry.readings (${readings}) SELECT ${readings} FROM main.readings ORDER BY rowid`);
      db.exec(`INSERT INTO telemetry.detections (${detections}) SELECT ${detections} FROM main.detections ORDER BY rowid`);
      db.prepare('INSERT INTO telemetry.copied_from (source, at) VALUES (?, ?)').run(key, Date.now());
    })();
  } finally {
    db.exec('DETACH DATABASE telemetry');
  }
}
