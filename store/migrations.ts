// Schema as a numbered list of migrations; `PRAGMA user_version` records the last one applied.
// Append new entries only: an applied migration is never edited.
import type { Database } from 'better-sqlite3';
import { RULE_STATE_SQL } from './sqlite-rule-state.js';

export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'incidents, incident events, alert log, readings, detections',
    sql: `
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
    `,
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
];

/** Apply every migration above the database's user_version, each in its own transaction. */
export function migrate(db: Database, migrations: readonly Migration[] = MIGRATIONS): number {
  let current = db.pragma('user_version', { simple: true }) as number;
  // In version order whatever the list order; a missing number (a gap) is simply not there.
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    db.transaction(() => {
      db.exec(m.sql);
      // PRAGMA takes no bound parameters; the version is an integer from this file.
      db.pragma(`user_version = ${Math.trunc(m.version)}`);
    })();
    current = m.version;
  }
  return current;
}
