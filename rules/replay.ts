// Replay (the 优化 step of the loop): run a rule set over recorded readings on a virtual
// clock, in reading-time order, and tell what it would have raised — detections, and the
// incidents they would have opened (grouped by dedup key as alerts/ does). Pure apart from
// the virtual scheduler; no I/O.
import { Observable, VirtualTimeScheduler, type SchedulerAction, type Subscriber } from 'rxjs';
import type { Reading } from '../model/reading.js';
import { SEVERITY_RANK, type Detection, type Severity } from '../model/detection.js';
import { createRuleEngine } from './engine.js';
import type { Rule } from './schema.js';

/** An incident the replay would have opened. */
export interface ReplayIncident {
  dedupKey: string;
  ruleId: string;
  /** The highest severity reached. */
  severity: Severity;
  firstSeverity: Severity;
  /** ts of the raise that opened it (the first warning). */
  openedAt: number;
  escalations: { ts: number; severity: Severity }[];
  /** Detections attached (raises and the clear). */
  detections: number;
  /** `cleared`: the rule said the condition ended; `open`: still raised when the replay ended. */
  status: 'open' | 'cleared';
  clearedAt?: number;
  deviceId: string;
  grid?: string;
}

export interface ReplayResult {
  readings: number;
  /** Virtual time span replayed. */
  from?: number;
  to?: number;
  detections: Detection[];
  incidents: ReplayIncident[];
}

export interface ReplayOptions {
  rules: Rule[];
  /** In any order; replayed sorted by ts (stable). */
  readings: readonly Reading[];
  /** Keep the clock running to here, so pending `for`/`after` timers can fire (default: the last reading). */
  until?: number;
}

/** Run the rules over the readings on a virtual clock: `now` at each reading is its `ts`. */
export function replay({ rules, readings, until }: ReplayOptions): ReplayResult {
  const sorted = [...readings].sort((a, b) => a.ts - b.ts);
  const first = sorted[0];
  if (!first) return { readings: 0, detections: [], incidents: [] };
  const end = Math.max(until ?? -Infinity, sorted[sorted.length - 1]!.ts);
  const vts = new VirtualTimeScheduler();
  vts.frame = first.ts; // the virtual clock reads epoch ms, like the live asyncScheduler
  let n = 0;
  const engine = createRuleEngine({ rules, scheduler: vts, newId: () => `replay-${++n}` });
  const detections: Detection[] = [];
  let feed: Subscriber<Reading> | undefined;
  engine.detections(new Observable<Reading>((sub) => void (feed = sub))).subscribe((d) => detections.push(d));
  // One reading at a time, each scheduling the next: the scheduler's queue then holds only
  // the rules' timers, not every reading (VirtualTimeScheduler sorts its queue on insert).
  vts.schedule(
    function step(this: SchedulerAction<number>, i = 0) {
      feed?.next(sorted[i]!);
      const next = sorted[i + 1];
      if (next) this.schedule(i + 1, next.ts - sorted[i]!.ts);
      else vts.schedule(() => feed?.complete(), end - sorted[i]!.ts);
    },
    0,
    0,
  );
  vts.flush();
  return { readings: sorted.length, from: first.ts, to: end, detections, incidents: incidentsOf(detections) };
}

/** Group detections by dedup key into incidents. A raise while one is open attaches (and may
 * escalate); a clear ends it; the next raise opens a new one — as if operators closed each
 * incident once its condition cleared (the live service keeps it open until they do). */
export function incidentsOf(detections: readonly Detection[]): ReplayIncident[] {
  const all: ReplayIncident[] = [];
  const open = new Map<string, ReplayIncident>();
  for (const d of detections) {
    const cur = open.get(d.dedupKey);
    if (d.phase === 'clear') {
      if (!cur) continue;
      cur.detections++;
      cur.status = 'cleared';
      cur.clearedAt = d.ts;
      open.delete(d.dedupKey);
    } else if (cur) {
      cur.detections++;
      if (SEVERITY_RANK[d.severity] > SEVERITY_RANK[cur.severity]) {
        cur.severity = d.severity;
        cur.escalations.push({ ts: d.ts, severity: d.severity });
      }
    } else {
      const inc: ReplayIncident = {
        dedupKey: d.dedupKey,
        ruleId: d.ruleId,
        severity: d.severity,
        firstSeverity: d.severity,
        openedAt: d.ts,
        escalations: [],
        detections: 1,
        status: 'open',
        deviceId: d.deviceId,
        ...(d.grid !== undefined ? { grid: d.grid } : {}),
      };
      all.push(inc);
      open.set(d.dedupKey, inc);
    }
  }
  return all;
}
