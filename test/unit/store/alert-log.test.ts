import path from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DB_FILE_NAME, openSqliteStore, type SqliteStore } from '../../../store/index.js';
import { captureLogger, tempDir } from './fixtures.js';
import type { LogMessage } from '../../../model/index.js';

describe('SQLite AlertLog', () => {
  let tmp: ReturnType<typeof tempDir>;
  let store: SqliteStore;
  const open = (extra: { alertLogMaxRows?: number } = {}) =>
    openSqliteStore({ dataDir: tmp.dir, logger: captureLogger().logger, ...extra });
  beforeEach(() => {
    tmp = tempDir();
    store = open();
  });
  afterEach(async () => {
    await store.close();
    tmp.remove();
  });

  it('starts at 0 and hands out strictly increasing seqs', () => {
    expect(store.alertLog.lastSeq()).toBe(0);
    const seqs = [1, 2, 3].map((n) => store.alertLog.append({ type: 'alert', alert: { n } } as object as LogMessage));
    expect(seqs[0]).toBeGreaterThan(0);
    expect(seqs[1]).toBeGreaterThan(seqs[0] as number);
    expect(seqs[2]).toBeGreaterThan(seqs[1] as number);
    expect(store.alertLog.lastSeq()).toBe(seqs[2]);
  });

  it('replays messages after a seq, oldest first, at most limit', () => {
    const seqs = Array.from({ length: 10 }, (_, n) =>
      store.alertLog.append(
        (n % 2 ? { type: 'incident', incident: { id: `i${n}` } } : { type: 'alert', alert: { n } }) as object as object as LogMessage,
      ),
    );
    const after3 = store.alertLog.since(seqs[2] as number, 4);
    expect(after3.map((m) => m.seq)).toEqual(seqs.slice(3, 7));
    expect(after3[0]?.message).toEqual({ type: 'incident', incident: { id: 'i3' } });
    expect(store.alertLog.since(seqs[9] as number, 100)).toEqual([]);
    expect(store.alertLog.since(0, 100)).toHaveLength(10);
    expect(store.alertLog.since(0, 0)).toEqual([]);
  });

  it('refuses a message type outside the protocol', () => {
    expect(() => store.alertLog.append({ type: 'bogus' } as never)).toThrow(expect.objectContaining({ code: 'invalid' }));
    expect(store.alertLog.lastSeq()).toBe(0);
  });

  it('keeps seq increasing across close and reopen', async () => {
    const before = [
      store.alertLog.append({ type: 'alert' } as object as object as LogMessage),
      store.alertLog.append({ type: 'alert' } as LogMessage),
    ];
    await store.close();
    store = open();
    expect(store.alertLog.lastSeq()).toBe(before[1]);
    expect(store.alertLog.since(0, 10).map((m) => m.seq)).toEqual(before);
    const after = store.alertLog.append({ type: 'incident' } as object as LogMessage);
    expect(after).toBeGreaterThan(before[1] as number);
  });

  it('prunes by count without ever reusing a seq', async () => {
    await store.close();
    store = open({ alertLogMaxRows: 3 });
    const seqs = Array.from({ length: 8 }, () => store.alertLog.append({ type: 'alert' } as object as LogMessage));
    expect(store.alertLog.prune()).toBe(5);
    expect(store.alertLog.since(0, 100).map((m) => m.seq)).toEqual(seqs.slice(5));
    expect(store.alertLog.lastSeq()).toBe(seqs[7]);
    await store.close();
    store = open({ alertLogMaxRows: 1 });
    expect(store.alertLog.since(0, 100).map((m) => m.seq)).toEqual([seqs[7]]);
    expect(store.alertLog.append({ type: 'alert' } as object as LogMessage)).toBe((seqs[7] as number) + 1);
  });

  it('never reuses a seq even when every row is gone (AUTOINCREMENT)', async () => {
    const last = [1, 2, 3].map(() => store.alertLog.append({ type: 'alert' } as object as LogMessage)).at(-1) as number;
    await store.close();
    // An operator empties the table by hand; a resuming client still must not see old seqs again.
    const db = new Database(path.join(tmp.dir, DB_FILE_NAME));
    db.exec('DELETE FROM alert_log');
    db.close();
    store = open();
    expect(store.alertLog.lastSeq()).toBe(last);
    expect(store.alertLog.append({ type: 'alert' } as object as LogMessage)).toBe(last + 1);
  });
});
