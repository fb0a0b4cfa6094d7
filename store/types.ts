// Store contracts (STYLE.md: contracts as interfaces, implementations behind them).
// SQLite (single node) and PostgreSQL (cluster mode) implement all of them; the InfluxDB sink
// implements TelemetrySink.
import type { Incident, IncidentEvent, IncidentState } from '../model/incident.js';
import type { MutedKey } from '../model/index.js';
import type { FollowUpLink } from '../model/index.js';
import type { Evidence } from '../model/index.js';
import type { Silence } from '../model/index.js';
import type { LogMessage } from '../model/ws.js';
export type { LogMessage };
import type { Reading } from '../model/reading.js';
import type { Detection, Severity } from '../model/detection.js';
import type { RuleStateEntry } from '../rules/index.js';
import type { TelemetryReader } from './telemetry-series.js';

export interface IncidentQuery {
  state?: IncidentState[];
  severity?: Severity[];
  category?: string;
  grid?: string;
  district?: string;
  /** Incidents routed to this department (a department-scoped responder's view). */
  department?: string;
  /** What a department-scoped principal sees: routed or escalated to `department`, and, for the coordination office, every overdue case. */
  visibleTo?: { department: string; office: boolean };
  /** createdAt ≥ since (ms epoch). */
  since?: number;
  /** Default 100, newest first. */
  limit?: number;
}

/** Incidents and their append-only event log. Writes of an incident and its event are atomic. */
export interface IncidentStore {
  /** Insert a new incident together with its first event; returns the stored event (with id). */
  insertIncident(incident: Incident, event: IncidentEvent): IncidentEvent;
  /** Replace the incident row and append one event, in one transaction; returns the stored event. */
  updateIncident(incident: Incident, event: IncidentEvent): IncidentEvent;
  getIncident(id: string): Incident | undefined;
  listIncidents(query: IncidentQuery): Incident[];
  /** The open incident (warning…resolved) holding this dedup key, if any. */
  findOpenByDedupKey(dedupKey: string): Incident | undefined;
  /** Every incident still open, for restoring deadline timers at start. */
  listOpen(): Incident[];
  /** The incident's timeline, oldest first. */
  events(incidentId: string): IncidentEvent[];
}

/** The durable log behind WebSocket `seq` (DESIGN.md § WebSocket /ws). */
export interface AlertLog {
  /** Append and return the new, strictly increasing seq. */
  append(message: LogMessage): number;
  /** Messages with seq > since, oldest first, at most `limit`. */
  since(seq: number, limit: number): Array<{ seq: number; message: LogMessage }>;
  lastSeq(): number;
}

export interface TelemetryQuery {
  deviceIds?: string[];
  grid?: string;
  from: number;
  to: number;
  /** Default 5000. */
  limit?: number;
}

/** An incident event with the incident it belongs to, as the sink records it. */
export interface IncidentEventRecord {
  incident: Incident;
  event: IncidentEvent;
}

/** A sink's state for /api/health and /metrics: counts of points (rows, lines) it took. */
export interface SinkHealth {
  name: string;
  /** False when the sink cannot write now (unreachable, closed); accepted data may still be safe. */
  ok: boolean;
  state: string;
  /** Accepted and not yet written, refused or spooled. */
  queued: number;
  written: number;
  /** Refused for good or dropped: data that will not be stored. */
  failed: number;
  /** Of those, dropped unwritten (a full buffer): data the caller may still hold and send again. */
  dropped?: number;
  /** Waiting in the spool for a replay. */
  spooled: number;
}

/** Where readings and detections go: SQLite by default, InfluxDB when configured. */
export interface TelemetrySink {
  readonly name: string;
  writeReadings(readings: readonly Reading[]): void;
  writeDetections(detections: readonly Detection[]): void;
  /** Incident lifecycle events, for dashboards built on the time-series store alone. */
  writeIncidentEvents(events: readonly IncidentEventRecord[]): void;
  health(): SinkHealth;
  /** Readings in [from, to], oldest first. */
  queryReadings(query: TelemetryQuery): Promise<Reading[]>;
  /** Make everything accepted so far durable. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

/** Silences (alerts/silences.ts); an ended silence is kept, with its endsAt moved to the end. */
export interface SilenceStore {
  /** Insert or replace by id. */
  put(silence: Silence): void;
  get(id: string): Silence | undefined;
  /** The newest 1000, newest first. */
  list(): Silence[];
  /** Silences with now < endsAt (active or still to start), oldest created first. */
  unendedAt(now: number): Silence[];
  /** A number that changes whenever the silences may have changed: a put here or a write by another connection. */
  version(): number;
}

/** 回访 follow-up links, found by the hash of their token (the token itself is never stored). */
export interface FollowUpStore {
  insert(link: FollowUpLink): void;
  byHash(tokenHash: string): FollowUpLink | undefined;
  /** Mark the link answered at `at` unless it already was; false when it was (a second answer). */
  markAnswered(tokenHash: string, at: number): boolean;
  /** Retire every unanswered, unretired link of the incident (a later close sends a new one); returns how many. */
  supersede(incidentId: string, at: number): number;
}

/** Every incident created in [from, to), each with its timeline (for 综合评价). */
export interface CaseReader {
  casesBetween(from: number, to: number): Array<{ incident: Incident; events: IncidentEvent[] }>;
}

/**
 * Rule state kept across restarts (rules/state.ts), a row per rule and key. Saves write only
 * the slots that changed, a few hundred per transaction (app/rules-runtime.ts), so each row is
 * a state its slot had, and the slots are independent of one another.
 */
export interface RuleStateStore {
  /** Write these slots, each replacing its earlier row, in one transaction. */
  put(entries: readonly RuleStateEntry[], savedAt: number): void;
  /** Delete the saved slots of every rule not among `ruleHashes` (removed, changed or disabled rules). */
  retain(ruleHashes: readonly string[]): void;
  /** Every saved slot, with when the newest was saved. */
  load(): { entries: RuleStateEntry[]; savedAt?: number };
}

/** Muted raises waiting for their mute to end (alerts/muted-keys.ts), kept across restarts. */
export interface MutedKeyStore {
  /** Insert or replace by key. */
  put(muted: MutedKey): void;
  delete(key: string): void;
  /** Every kept key, longest muted first. */
  load(): MutedKey[];
}

/** Frozen case evidence (alerts/evidence.ts), one row per incident, kept with the case. */
export interface EvidenceStore {
  /** Note (in the caller's transaction) that the evidence of this close is to be frozen at dueAt. */
  markFreezing(placeholder: Evidence, ruleId: string | undefined, dueAt: number): void;
  /** Store evidence over the `freezing` row of the same close; false when there is none (a later close replaced it, or it rolled back). */
  putIfCurrent(evidence: Evidence): boolean;
  get(incidentId: string): Evidence | undefined;
  /** Evidence still to freeze, or whose freeze failed (retried at each start), soonest due first. */
  pending(): Array<{ incidentId: string; dueAt: number; triggeredAt: number }>;
  /** Frozen evidence of a rule's cases closed since `since`, oldest first. */
  frozenOfRule(ruleId: string, since: number): Evidence[];
}

/** One stored version of a rule: `rule` is the rule as written (null when it was removed). */
export interface RuleVersion {
  ruleId: string;
  /** 1, 2, 3… per rule id, one per change (not the rule's own `version` field). */
  version: number;
  time: number;
  /** The token name for PUT /api/rules and adoptions, `file` for the rule file. */
  author: string;
  rule: unknown;
  /** Field by field against the previous version. */
  diff: Array<{ path: string; from?: unknown; to?: unknown }>;
  /** The case whose review adopted this version, if one did. */
  incidentId?: string;
}

/** The history of every rule, and the rule set kept in the store when the rule file cannot be written. */
export interface RuleVersionStore {
  /** Store new versions (numbered here), in one transaction. */
  append(entries: ReadonlyArray<Omit<RuleVersion, 'version'>>): RuleVersion[];
  latest(ruleId: string): RuleVersion | undefined;
  latestOfEach(): RuleVersion[];
  /** Every version of a rule, oldest first. */
  list(ruleId: string): RuleVersion[];
  /** The version in force at `ts`. */
  at(ruleId: string, ts: number): RuleVersion | undefined;
  override(): { time: number; author: string; fileHash: string; rules: unknown[] } | undefined;
  setOverride(o: { time: number; author: string; fileHash: string; rules: unknown[] }): void;
  clearOverride(): void;
}

/** Run `fn` as one transaction: one commit for all of it, none of it stored if it throws. */
export type Transaction = <T>(fn: () => T) => T;

/** Rows a maintenance run deleted. */
export interface MaintenanceResult {
  readings: number;
  detections: number;
  alertLog: number;
}

/** What every store's health says; each adds its own details. */
/** Detections handled once across the nodes of a cluster (store/postgres/claims.ts). */
export interface DetectionClaims {
  /** In the caller's transaction: true the first time `id` is claimed, false ever after. */
  claim(id: string): boolean;
}

export interface CaseStoreHealth {
  ok: boolean;
  schemaVersion?: number;
  alertLogLastSeq?: number;
  error?: string;
}

/**
 * Everything the service keeps of its cases, as both stores provide it: SQLite (openSqliteStore,
 * one node) and PostgreSQL (openPostgresStore, shared by the nodes of a cluster). Time series
 * are the telemetry sink's: SQLite always has one, PostgreSQL when asked.
 */
export interface CaseStore {
  incidents: IncidentStore;
  /** The log behind /ws seq; each store's own type adds its pruning. */
  alertLog: AlertLog & { prune(): number };
  silences: SilenceStore;
  /** Muted raises waiting for their mute to end (alerts/muted-keys.ts). */
  mutedKeys: MutedKeyStore;
  cases: CaseReader;
  followUps: FollowUpStore;
  ruleState: RuleStateStore;
  evidence: EvidenceStore;
  ruleVersions: RuleVersionStore;
  /** Telemetry sink and reader, when this store keeps telemetry. */
  telemetry?: TelemetrySink;
  telemetryReader?: TelemetryReader;
  /**
   * Run `fn` (several writes of the store) as one transaction: one commit for all of it. If
   * `fn` throws, none of it is stored. The alerts stage runs each operation as one.
   */
  writeTransaction: Transaction;
  /** Run retention now (it also runs at open and every maintenanceIntervalMs). */
  maintain(): Promise<MaintenanceResult>;
  health(): CaseStoreHealth;
  /** Flush buffered telemetry, stop timers, close the connections. Idempotent. */
  close(): Promise<void>;
}
