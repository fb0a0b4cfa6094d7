// The AlertLog contract (store/types.ts): the durable log behind WebSocket `seq`, for every store.
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { LogMessage } from '../../../../model/index.js';
import type { CaseStore } from '../../../../store/index.js';
import type { StoreBackend } from './backend.js';

const alert = (extra: object = {}) => ({ type: 'alert', ...extra }) as object as LogMessage;

/** The AlertLog tests, against `backend`. */
export function alertLogContract<S extends CaseStore>(backend: StoreBackend<S>): void {
  describe(`${backend.name} AlertLog`, () => {
    let store: S;
    beforeEach(async () => {
      store = await backend.fresh();
    });
    afterEach(() => backend.release(store));
    afterAll(() => backend.dispose());

    it('starts at 0 and hands out strictly increasing seqs', () => {
      expect(store.alertLog.lastSeq()).toBe(0);
      const seqs = [1, 2, 3].map((n) => store.alertLog.append(alert({ alert: { n } })));
      expect(seqs[0]).toBeGreaterThan(0);
      expect(seqs[1]).toBeGreaterThan(seqs[0] as number);
      expect(seqs[2]).toBeGreaterThan(seqs[1] as number);
      expect(store.alertLog.lastSeq()).toBe(seqs[2]);
    });

    it('replays messages after a seq, oldest first, at most limit', () => {
      const seqs = Array.from({ length: 10 }, (_, n) =>
        store.alertLog.append(
          (n % 2 ? { type: 'incident', incident: { id: `i${n}` } } : { type: 'alert', alert: { n } }) as object as LogMessage,
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

    it('appends inside a transaction that rolls back leave no trace', () => {
      const before = store.alertLog.append(alert());
      expect(() =>
        store.writeTransaction(() => {
          store.alertLog.append(alert());
          throw new Error('handler failed');
        }),
      ).toThrow('handler failed');
      expect(store.alertLog.since(0, 10).map((m) => m.seq)).toEqual([before]);
      expect(store.alertLog.append(alert())).toBeGreaterThan(before);
    });

    it('keeps seq increasing across close and reopen', async () => {
      const before = [store.alertLog.append(alert()), store.alertLog.append(alert())];
      store = await backend.reopen(store);
      expect(store.alertLog.lastSeq()).toBe(before[1]);
      expect(store.alertLog.since(0, 10).map((m) => m.seq)).toEqual(before);
      const after = store.alertLog.append({ type: 'incident' } as object as LogMessage);
      expect(after).toBeGreaterThan(before[1] as number);
    });

    it('prunes by count without ever reusing a seq', async () => {
      store = await backend.reopen(store, { alertLogMaxRows: 3 });
      const seqs = Array.from({ length: 8 }, () => store.alertLog.append(alert()));
      expect(store.alertLog.prune()).toBe(5);
      expect(store.alertLog.since(0, 100).map((m) => m.seq)).toEqual(seqs.slice(5));
      expect(store.alertLog.lastSeq()).toBe(seqs[7]);
      // Retention runs at open too.
      store = await backend.reopen(store, { alertLogMaxRows: 1 });
      expect(store.alertLog.since(0, 100).map((m) => m.seq)).toEqual([seqs[7]]);
      expect(store.alertLog.append(alert())).toBe((seqs[7] as number) + 1);
    });

    it('never reuses a seq even when every row is gone', async () => {
      const last = [1, 2, 3].map(() => store.alertLog.append(alert())).at(-1) as number;
      // An operator empties the table by hand; a resuming client still must not see old seqs again.
      await backend.exec('DELETE FROM alert_log');
      store = await backend.reopen(store);
      expect(store.alertLog.lastSeq()).toBe(last);
      expect(store.alertLog.append(alert())).toBe(last + 1);
    });
  });
}
