// Freezing a case's evidence (docs/reviews.md) when it closes or is marked a false alarm.
// The transition's own transaction only notes `freezing` (so the action's 200 is not held up
// and a crash loses no freeze: pending rows are resumed at start); the readings are read later,
// once the `evidenceAfter` margin has passed, and the evidence is stored with the case.
import type { Logger } from 'pino';
import {
  collectEvidence,
  evidenceWindow,
  type Evidence,
  type EvidenceSources,
  type Incident,
  type IncidentEvent,
  type IncidentService,
} from '../alerts/index.js';
import type { EvidenceStore } from '../store/index.js';

export interface EvidenceFreezerDeps {
  store: EvidenceStore;
  incidents: Pick<IncidentService, 'get' | 'timeline'>;
  sources: EvidenceSources;
  clock: () => number;
  logger: Logger;
}

export interface EvidenceFreezer {
  /** Called with every incident message, inside its transaction: a close or false alarm notes `freezing`. */
  onIncidentEvent(incident: Incident, event: IncidentEvent): void;
  /** Schedule the freezes a previous run left pending or saw fail. */
  resume(): void;
  /** Cancel the timers (their rows stay `freezing`, resumed at the next start) and wait for running freezes. */
  stop(): Promise<void>;
}

/** The events after which a case's evidence is frozen. */
const FREEZE_ON = new Set(['closed', 'false_alarm']);

/** A placeholder row that says the evidence is on its way. */
function freezingRow(incident: Incident, triggeredAt: number, sources: EvidenceSources): Evidence {
  return {
    incidentId: incident.id,
    status: 'freezing',
    triggeredAt,
    window: evidenceWindow(incident, triggeredAt, sources.marginsMs),
    devices: [],
    readingCount: { total: 0, kept: 0, downsampled: false },
    readings: [],
    detections: [],
    rule: null,
    silences: [],
    inhibited: [],
    inhibitors: [],
  };
}

/** Freeze evidence of closed and false-alarm cases, after the transition has committed. */
export function createEvidenceFreezer({ store, incidents, sources, clock, logger }: EvidenceFreezerDeps): EvidenceFreezer {
  const log = logger.child({ stage: 'evidence' });
  const timers = new Map<string, NodeJS.Timeout>();
  const running = new Set<Promise<void>>();
  let stopped = false;

  const freeze = async (incidentId: string, triggeredAt: number): Promise<void> => {
    const incident = incidents.get(incidentId);
    if (!incident) return;
    try {
      const evidence = await collectEvidence(incident, incidents.timeline(incidentId), triggeredAt, sources, clock());
      if (!store.putIfCurrent(evidence)) log.info({ incidentId }, 'evidence superseded by a later close; not stored');
    } catch (err) {
      log.error({ err, incidentId }, 'evidence could not be frozen; the review reads live telemetry');
      try {
        store.putIfCurrent({ ...freezingRow(incident, triggeredAt, sources), status: 'failed', error: (err as Error).message });
      } catch {
        // The store is closing: the row stays `freezing` and the next start retries it.
      }
    }
  };
  const run = (incidentId: string, triggeredAt: number) => {
    timers.delete(incidentId);
    const p = freeze(incidentId, triggeredAt).finally(() => running.delete(p));
    running.add(p);
  };
  const schedule = (incidentId: string, triggeredAt: number, dueAt: number) => {
    if (stopped) return;
    clearTimeout(timers.get(incidentId));
    // setImmediate at the least: the transition that asked must commit before the read.
    const t = setTimeout(() => run(incidentId, triggeredAt), Math.max(0, dueAt - clock()));
    t.unref();
    timers.set(incidentId, t);
  };

  return {
    onIncidentEvent(incident, event) {
      if (!FREEZE_ON.has(event.type)) return;
      const dueAt = event.ts + sources.marginsMs.after;
      store.markFreezing(freezingRow(incident, event.ts, sources), incident.ruleId, dueAt);
      schedule(incident.id, event.ts, dueAt);
    },
    resume() {
      for (const p of store.pending()) schedule(p.incidentId, p.triggeredAt, p.dueAt);
      if (timers.size) log.info({ pending: timers.size }, 'evidence freezes resumed');
    },
    async stop() {
      stopped = true;
      for (const t of timers.values()) clearTimeout(t);
      timers.clear();
      await Promise.all([...running]);
    },
  };
}
