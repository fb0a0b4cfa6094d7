// Muting never eats a warning: the ledger of raises muted while their rule stays raised
// (alerts/muted-keys.ts, kept in the store), and the sweep that hands each back to the incident
// service once its silence has ended or its inhibiting incident is no longer open. The service
// then checks the raise against the silences and inhibitors still in force, as for a new one:
// one still active keeps it muted, else its incident opens with a note of the mute.
import type { Logger } from 'pino';
import type { Detection } from '../model/detection.js';
import type { IncidentStore, MutedKeyStore } from '../store/index.js';
import { OPEN_STATES } from '../model/incident.js';
import type { IncidentService } from './incidents.js';
import { type MuteCause, type MutedKey, type MutedKeys, causeId, currentCause, holdsRaised } from './muted-keys.js';
import { type Silence, type SilenceService, silenceState } from './silences.js';

/** What the incident service tells the ledger (alerts/incidents.ts). */
export interface MuteLedger {
  /**
   * A raise was muted by `cause` (a silence ending at `endsAt`); kept until its rule clears the
   * key. An `event` raise is not kept: it is a moment, with no clear.
   */
  muted(d: Detection, cause: MuteCause, endsAt?: number): void;
  /** The kept raise of a key, if any. */
  get(key: string): MutedKey | undefined;
  /** Forget a key: its rule cleared it, or its raise went through. */
  settle(key: string): void;
}

export interface MuteLedgerDeps {
  keys: MutedKeys;
  store: MutedKeyStore;
  silences: Pick<SilenceService, 'get'>;
  incidents: Pick<IncidentStore, 'getIncident'>;
  /** Hands a released raise back to the incident service (its onDetection). */
  redo: (d: Detection) => void;
  /** Forget a rule's raised state of a detection's key: for an entry evicted when the ledger is full, so its next reading raises again. */
  release?: (d: Detection) => void;
  clock?: () => number;
  logger?: Logger;
  /**
   * Cluster mode: every node keeps its muted raises in the one shared store, and only the node
   * this answers true on hands them back, each sweep starting from what the store holds then
   * (so a raise muted on a node that died is handed back all the same). Unset: one node.
   */
  sweepsShared?: () => boolean;
}

/** The ledger and its sweep; `close` stops its timer. */
export interface MuteLedgerRuntime extends MuteLedger {
  /** Hand back every raise whose mute has ended; returns how many were handed back. */
  sweep(): number;
  /** When the next silence holding a kept raise ends, if any. */
  nextWakeAt(): number | undefined;
  readonly size: number;
  close(): void;
}

// setTimeout's longest delay; a silence ending later is looked at again then.
const MAX_DELAY_MS = 2 ** 31 - 1;

/** Build the ledger over its store (entries kept there are read back now), arming a timer at the next silence end. */
export function createMuteLedger(deps: MuteLedgerDeps): MuteLedgerRuntime {
  const { keys, store } = deps;
  const clock = deps.clock ?? Date.now;
  keys.restore(store.load());
  let timer: { at: number; handle: NodeJS.Timeout } | undefined;
  let sweeping = false;
  let closed = false;

  const silenceOf = (c: MuteCause, cache: Map<string, Silence | undefined>) => {
    if (c.reason !== 'silence') return undefined;
    if (!cache.has(c.silenceId)) cache.set(c.silenceId, deps.silences.get(c.silenceId));
    return cache.get(c.silenceId);
  };

  const nextWakeAt = () => {
    const cache = new Map<string, Silence | undefined>();
    let at: number | undefined;
    for (const m of keys.entries()) {
      const ends = silenceOf(currentCause(m), cache)?.endsAt;
      if (ends !== undefined && (at === undefined || ends < at)) at = ends;
    }
    return at;
  };

  /** One timer, at `at` (default: the next end of a silence holding a kept raise). */
  const arm = (at = closed ? undefined : nextWakeAt()) => {
    if (timer && timer.at === at) return;
    if (timer) clearTimeout(timer.handle);
    timer = undefined;
    if (at === undefined) return;
    const handle = setTimeout(
      () => {
        timer = undefined;
        runtime.sweep();
      },
      Math.min(MAX_DELAY_MS, Math.max(0, at - clock())),
    );
    handle.unref(); // a pending unmute must not keep the process alive
    timer = { at, handle };
  };

  const runtime: MuteLedgerRuntime = {
    muted(d, cause, endsAt) {
      if (!holdsRaised(d)) return;
      const { entry, evicted } = keys.mute(d, cause, clock());
      store.put(entry);
      if (evicted) {
        store.delete(evicted.key);
        deps.release?.(evicted.detection);
        deps.logger?.warn(
          { dedupKey: evicted.key, ruleId: evicted.detection.ruleId },
          'muted-keys ledger full: the longest-muted raise is forgotten and its rule released to raise again',
        );
      }
      // Sooner than the timer: moved up without reading every kept key (a flood mutes many at once).
      if (endsAt !== undefined && !closed && (timer === undefined || endsAt < timer.at)) arm(endsAt);
    },
    get: (key) => keys.get(key),
    settle(key) {
      if (keys.clear(key)) store.delete(key);
    },
    sweep() {
      // A sweep runs the incident service, which may mute again: that is bookkeeping, not a new sweep.
      if (sweeping || closed) return 0;
      if (deps.sweepsShared) {
        if (!deps.sweepsShared()) return 0;
        keys.reset(store.load());
      }
      if (keys.size === 0) return 0;
      sweeping = true;
      let handed = 0;
      try {
        const now = clock();
        const cache = new Map<string, Silence | undefined>();
        const open = new Map<string, boolean>();
        const inForce = (c: MuteCause) => {
          if (c.reason === 'silence') {
            const s = silenceOf(c, cache);
            return s !== undefined && silenceState(s, now) === 'active';
          }
          if (!open.has(c.incidentId))
            open.set(c.incidentId, OPEN_STATES.includes(deps.incidents.getIncident(c.incidentId)?.state ?? 'closed'));
          return open.get(c.incidentId)!;
        };
        for (const m of keys.released(inForce)) {
          try {
            deps.redo(m.detection);
            handed++;
          } catch (err) {
            // Kept: the next sweep (the deadline tick) tries again.
            deps.logger?.error(
              { err, dedupKey: m.key, cause: causeId(currentCause(m)) },
              'a muted raise could not be handed back; retrying at the next sweep',
            );
          }
        }
      } finally {
        sweeping = false;
        arm();
      }
      return handed;
    },
    nextWakeAt,
    get size() {
      return keys.size;
    },
    close() {
      closed = true;
      arm();
    },
  };
  // Silences that ended while the service was down are looked at once it runs.
  if (keys.size > 0) arm();
  return runtime;
}

/** The incident service with a sweep after every action: a close or false alarm may end an inhibition. */
export function sweepAfterActions(incidents: IncidentService, ledger: Pick<MuteLedgerRuntime, 'sweep'>): IncidentService {
  return {
    ...incidents,
    act(id, body, audit) {
      const r = incidents.act(id, body, audit);
      if (r.ok && !OPEN_STATES.includes(r.incident.state)) ledger.sweep();
      return r;
    },
  };
}

/** The silence service with a sweep after an early end (DELETE /api/silences/:id). */
export function sweepAfterExpire(silences: SilenceService, ledger: Pick<MuteLedgerRuntime, 'sweep'>): SilenceService {
  return {
    ...silences,
    expire(id, by) {
      const s = silences.expire(id, by);
      if (s) ledger.sweep();
      return s;
    },
  };
}
