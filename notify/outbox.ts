// The persistent outbox: a SQLite file of its own in the data dir (citysense-notify.db), so the
// incident store's migrations stay untouched and no send ever holds the store's write lock.
// A row is pending → sending → delivered | failed; rows folded into another's message are
// `grouped` under it (batch_id). A restart turns `sending` back into `pending`.
import path from 'node:path';
import Database, { type Database as Db } from 'better-sqlite3';
import { Notice } from './notice.js';

/** The outbox's file in the data dir. */
export const NOTIFY_DB_FILE_NAME = 'citysense-notify.db';
/** How long the delivery log keeps a finished message. */
const KEEP_MS = 90 * 86_400_000;

const SCHEMA = `
  CREATE TABLE IF NOT EXISTS outbox (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    incident_id  TEXT NOT NULL,
    -- What caused it: 'ev:<incident event id>' or 'duty:<step>'; with receiver, route and person
    -- it is unique, so a change seen twice is still one message.
    cause        TEXT NOT NULL,
    receiver     TEXT NOT NULL,
    route        TEXT NOT NULL,
    person       TEXT NOT NULL DEFAULT '',
    group_key    TEXT,
    event        TEXT NOT NULL,
    notice       TEXT NOT NULL,
    state        TEXT NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    due_at       INTEGER NOT NULL,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    delivered_at INTEGER,
    last_error   TEXT,
    batch_id     INTEGER
  );
  CREATE UNIQUE INDEX IF NOT EXISTS outbox_once ON outbox (incident_id, cause, receiver, route, person);
  CREATE INDEX IF NOT EXISTS outbox_due ON outbox (state, due_at);
  CREATE INDEX IF NOT EXISTS outbox_group ON outbox (group_key, state, due_at);
  CREATE INDEX IF NOT EXISTS outbox_batch ON outbox (batch_id);
  CREATE TABLE IF NOT EXISTS group_slots (group_key TEXT PRIMARY KEY, next_free INTEGER NOT NULL);
  CREATE TABLE IF NOT EXISTS duty_steps (incident_id TEXT PRIMARY KEY, department TEXT NOT NULL, since INTEGER NOT NULL, level INTEGER NOT NULL, reminders INTEGER NOT NULL, last_at INTEGER NOT NULL);
`;

/** A message to put in the outbox. */
export interface NewMessage {
  incidentId: string;
  cause: string;
  receiver: string;
  route: string;
  person?: string;
  notice: Notice;
  /** Messages of one route and receiver at most this often; the rest are folded into the next. */
  group?: { key: string; intervalMs: number };
  /** Not before this time (quiet hours). */
  notBefore?: number;
}

/** A row as the dispatcher and the delivery log see it. */
export interface OutboxRow {
  id: number;
  incidentId: string;
  receiver: string;
  route: string;
  person?: string;
  event: string;
  state: 'pending' | 'sending' | 'delivered' | 'failed' | 'grouped';
  attempts: number;
  dueAt: number;
  createdAt: number;
  deliveredAt?: number;
  lastError?: string;
  batchId?: number;
  /** Undefined only for a row this version cannot read (written by another one). */
  notice?: Notice;
}

/** A row whose notice could be read. */
export type ReadableRow = OutboxRow & { notice: Notice };

/** A claimed message: its own row first, then the rows folded into it. */
export interface Claim {
  lead: ReadableRow;
  rows: ReadableRow[];
}

type Raw = Record<string, unknown>;
const toRow = (r: Raw): OutboxRow => ({
  id: r.id as number,
  incidentId: r.incident_id as string,
  receiver: r.receiver as string,
  route: r.route as string,
  person: (r.person as string) || undefined,
  event: r.event as string,
  state: r.state as OutboxRow['state'],
  attempts: r.attempts as number,
  dueAt: r.due_at as number,
  createdAt: r.created_at as number,
  deliveredAt: (r.delivered_at as number | null) ?? undefined,
  lastError: (r.last_error as string | null) ?? undefined,
  batchId: (r.batch_id as number | null) ?? undefined,
  notice: readNotice(r.notice as string),
});

/** A stored notice, or undefined when this build cannot read it (a row written by another version). */
const readNotice = (text: string): Notice | undefined => {
  const parsed = Notice.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : undefined;
};
const readable = (r: OutboxRow): r is ReadableRow => r.notice !== undefined;

/** Open (creating as needed) the outbox file in `dataDir`. */
export function openOutbox(dataDir: string, now: () => number) {
  const db: Db = new Database(dataDir === ':memory:' ? ':memory:' : path.join(dataDir, NOTIFY_DB_FILE_NAME));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.exec(SCHEMA);
  // A send cut off by a stop or a crash was not confirmed: it goes again (the delivery id lets a receiver drop a repeat).
  db.prepare("UPDATE outbox SET state = 'pending' WHERE state = 'sending'").run();
  // The log of finished messages is kept for KEEP_MS, then dropped at a start (rows are small, but a city sends many).
  const finishedBefore = now() - KEEP_MS;
  db.prepare(
    "DELETE FROM outbox WHERE updated_at < ? AND (state IN ('delivered', 'failed') OR (state = 'grouped' AND batch_id IN (SELECT id FROM outbox WHERE state IN ('delivered', 'failed'))))",
  ).run(finishedBefore);

  const insert = db.prepare(
    `INSERT OR IGNORE INTO outbox (incident_id, cause, receiver, route, person, group_key, event, notice, state, due_at, created_at, updated_at)
     VALUES (@incidentId, @cause, @receiver, @route, @person, @groupKey, @event, @notice, 'pending', @dueAt, @now, @now)`,
  );
  const waitingInGroup = db.prepare("SELECT max(due_at) AS due FROM outbox WHERE group_key = ? AND state = 'pending' AND due_at > ?");
  const slot = db.prepare('SELECT next_free FROM group_slots WHERE group_key = ?');
  const setSlot = db.prepare(
    'INSERT INTO group_slots (group_key, next_free) VALUES (?, ?) ON CONFLICT (group_key) DO UPDATE SET next_free = excluded.next_free',
  );
  const dueLeads = db.prepare("SELECT * FROM outbox WHERE state = 'pending' AND due_at <= ? ORDER BY due_at, id LIMIT ?");
  const groupDue = db.prepare("SELECT * FROM outbox WHERE group_key = ? AND state = 'pending' AND due_at <= ? AND id != ? ORDER BY id");
  const fold = db.prepare("UPDATE outbox SET state = 'grouped', batch_id = ?, updated_at = ? WHERE id = ?");
  const folded = db.prepare('SELECT * FROM outbox WHERE batch_id = ? ORDER BY id');
  const mark = db.prepare(
    'UPDATE outbox SET state = @state, attempts = @attempts, due_at = @dueAt, updated_at = @now, delivered_at = @deliveredAt, last_error = @error WHERE id = @id',
  );
  const byIncident = db.prepare(
    'SELECT o.*, b.state AS batch_state, b.delivered_at AS batch_delivered FROM outbox o LEFT JOIN outbox b ON b.id = o.batch_id WHERE o.incident_id = ? ORDER BY o.id',
  );
  const pendingCount = db.prepare("SELECT count(*) AS n FROM outbox WHERE state IN ('pending', 'sending')");

  const enqueue = db.transaction((m: NewMessage): number | undefined => {
    const t = now();
    let dueAt = Math.max(t, m.notBefore ?? t);
    if (m.group && m.group.intervalMs > 0) {
      // Join the batch already waiting for this route and receiver, else take the next free slot.
      const waiting = (waitingInGroup.get(m.group.key, t) as { due: number | null }).due;
      if (waiting !== null) dueAt = Math.max(dueAt, waiting);
      else {
        const free = (slot.get(m.group.key) as { next_free: number } | undefined)?.next_free ?? 0;
        dueAt = Math.max(dueAt, free);
        setSlot.run(m.group.key, dueAt + m.group.intervalMs);
      }
    }
    const r = insert.run({
      incidentId: m.incidentId,
      cause: m.cause,
      receiver: m.receiver,
      route: m.route,
      person: m.person ?? '',
      groupKey: m.group && m.group.intervalMs > 0 ? m.group.key : null,
      event: m.notice.event,
      notice: JSON.stringify(m.notice),
      dueAt,
      now: t,
    });
    return r.changes === 1 ? Number(r.lastInsertRowid) : undefined;
  });

  const claim = db.transaction((limit: number): Claim[] => {
    const t = now();
    const out: Claim[] = [];
    const taken = new Set<number>();
    for (const raw of dueLeads.all(t, limit) as Raw[]) {
      if (taken.has(raw.id as number)) continue;
      const lead = toRow(raw);
      if (!readable(lead)) {
        // Unreadable now means unreadable on every attempt: give it up instead of blocking the queue.
        mark.run({
          id: lead.id,
          state: 'failed',
          attempts: lead.attempts,
          dueAt: lead.dueAt,
          now: t,
          deliveredAt: null,
          error: 'the stored notice cannot be read by this version',
        });
        continue;
      }
      const rows = (folded.all(lead.id) as Raw[]).map(toRow).filter(readable);
      if (raw.group_key !== null) {
        for (const g of groupDue.all(raw.group_key, t, lead.id) as Raw[]) {
          if (!readNotice(g.notice as string)) continue; // becomes a lead of its own, and fails there
          fold.run(lead.id, t, g.id);
          taken.add(g.id as number);
          rows.push(toRow({ ...g, state: 'grouped', batch_id: lead.id }) as ReadableRow);
        }
      }
      mark.run({
        id: lead.id,
        state: 'sending',
        attempts: lead.attempts,
        dueAt: lead.dueAt,
        now: t,
        deliveredAt: null,
        error: lead.lastError ?? null,
      });
      out.push({ lead, rows });
    }
    return out;
  });

  return {
    /** Put a message in the outbox; undefined when the same cause was already queued for that receiver. */
    enqueue: (m: NewMessage) => enqueue(m),
    /** Take up to `limit` due messages (each with what is folded into it) and mark them sending. */
    claim: (limit: number) => claim(limit),
    /** Record a confirmed delivery. */
    delivered(id: number, attempts: number) {
      mark.run({ id, state: 'delivered', attempts, dueAt: now(), now: now(), deliveredAt: now(), error: null });
    },
    /** Record a failed attempt: again at `dueAt`, or for good when `dueAt` is undefined. */
    attemptFailed(id: number, attempts: number, error: string, dueAt: number | undefined) {
      mark.run({
        id,
        state: dueAt === undefined ? 'failed' : 'pending',
        attempts,
        dueAt: dueAt ?? now(),
        now: now(),
        deliveredAt: null,
        error: error.slice(0, 500),
      });
    },
    /** The delivery log of one case, oldest first; a folded row shows the state of the message that carried it. */
    forIncident(incidentId: string): OutboxRow[] {
      return (byIncident.all(incidentId) as Raw[]).map((r) => {
        const row = toRow(r);
        if (row.state !== 'grouped') return row;
        return { ...row, state: r.batch_state as OutboxRow['state'], deliveredAt: (r.batch_delivered as number | null) ?? undefined };
      });
    },
    /** Messages not yet delivered or given up. */
    pending: () => (pendingCount.get() as { n: number }).n,
    db,
    close: () => db.close(),
  };
}

/** The outbox of openOutbox. */
export type Outbox = ReturnType<typeof openOutbox>;
