// Muted and still raised (静默/抑制不吞预警): a raise muted by a silence or an inhibiting incident is
// kept here, by dedup key, until its rule clears the key. Its rule stays raised, so no new raise
// comes; when the mute ends the kept raise is handed back (alerts/unmute.ts). Pure bookkeeping:
// no clock, no store; the caller persists what `mute` and `clear` return.
import type { Detection } from '../model/detection.js';
import type { MuteCause, MutedKey, MuteSpan } from '../model/muted-key.js';

export { MuteCause, MuteSpan, MutedKey } from '../model/muted-key.js';

/** Spans kept per key: a key passed between many silences keeps the latest stretches. */
export const MAX_SPANS = 8;

/** One string per cause, to compare and to cache look-ups by. */
export const causeId = (c: MuteCause): string => (c.reason === 'silence' ? `silence:${c.silenceId}` : `inhibition:${c.incidentId}`);

/** The cause muting the key now (its last span's). */
export const currentCause = (m: MutedKey): MuteCause => m.spans[m.spans.length - 1]!.cause;

/** Whether a raise of this kind holds a condition that can end muted: an `event` rule's raise is a moment with no clear. */
export const holdsRaised = (d: Detection): boolean => d.phase === 'raise' && d.ruleKind !== 'event';

export interface MutedKeys {
  /** Record a muted raise; returns the entry to store, and the oldest entry evicted when full. */
  mute(d: Detection, cause: MuteCause, now: number): { entry: MutedKey; evicted?: MutedKey };
  /** Forget the key (its rule cleared, or its raise went through); returns what was kept. */
  clear(key: string): MutedKey | undefined;
  get(key: string): MutedKey | undefined;
  /** Entries whose current cause no longer holds, oldest first. */
  released(inForce: (cause: MuteCause) => boolean): MutedKey[];
  /** Put back entries read from the store at start (bounded like `mute`). */
  restore(entries: readonly MutedKey[]): void;
  /** Replace every entry with those read from the store (a cluster's sweeping node, whose store other nodes write too). */
  reset(entries: readonly MutedKey[]): void;
  entries(): MutedKey[];
  readonly size: number;
}

/** The bookkeeping, at most `max` keys: beyond that the oldest is evicted (and returned, so its rule can be released). */
export function createMutedKeys(max = 10_000): MutedKeys {
  // Map order is insertion order: the first entry is the longest muted.
  const keys = new Map<string, MutedKey>();
  return {
    mute(d, cause, now) {
      const kept = keys.get(d.dedupKey);
      if (kept) {
        const last = kept.spans[kept.spans.length - 1]!;
        const spans =
          causeId(last.cause) === causeId(cause)
            ? kept.spans
            : [...kept.spans.slice(0, -1), { ...last, to: now }, { cause, from: now }].slice(-MAX_SPANS);
        // The latest raise is kept: a higher level reached while muted is the one to open with.
        const entry = { key: d.dedupKey, detection: d, spans };
        keys.set(d.dedupKey, entry);
        return { entry };
      }
      let evicted: MutedKey | undefined;
      if (keys.size >= max) {
        const [oldest] = keys.keys();
        evicted = keys.get(oldest!);
        keys.delete(oldest!);
      }
      const entry = { key: d.dedupKey, detection: d, spans: [{ cause, from: now }] };
      keys.set(d.dedupKey, entry);
      return evicted ? { entry, evicted } : { entry };
    },
    clear(key) {
      const kept = keys.get(key);
      keys.delete(key);
      return kept;
    },
    get: (key) => keys.get(key),
    released: (inForce) => [...keys.values()].filter((m) => !inForce(currentCause(m))),
    restore(entries) {
      for (const e of entries.slice(-max)) keys.set(e.key, e);
      while (keys.size > max) keys.delete(keys.keys().next().value!);
    },
    reset(entries) {
      keys.clear();
      this.restore(entries);
    },
    entries: () => [...keys.values()],
    get size() {
      return keys.size;
    },
  };
}

const hhmm = (ts: number) => new Date(ts).toISOString().replace('.000Z', 'Z');

/** The timeline note of a raise that was muted: "muted by silence SIL-1 from … to …; inhibited by incident INC-… from … to …". */
export function muteNote(spans: readonly MuteSpan[], until: number): string {
  return spans
    .map((s) => {
      const by = s.cause.reason === 'silence' ? `muted by silence ${s.cause.silenceId}` : `inhibited by incident ${s.cause.incidentId}`;
      return `${by} from ${hhmm(s.from)} to ${hhmm(s.to ?? until)}`;
    })
    .join('; ');
}
