// Two replays of the same readings under two rule sets, side by side: fewer or more
// detections and incidents, and per dedup key whether the first warning came earlier or later.
import { SEVERITY_RANK, type Severity } from '../model/detection.js';
import type { ReplayResult } from './replay.js';

/** One side's account of a dedup key. */
export interface KeySide {
  detections: number;
  incidents: number;
  /** ts of the first raise. */
  firstWarning: number;
  severity: Severity;
}

export interface KeyComparison {
  dedupKey: string;
  a?: KeySide;
  b?: KeySide;
  /** b.firstWarning − a.firstWarning: positive means B warns later. */
  firstWarningDeltaMs?: number;
  verdict: 'only-a' | 'only-b' | 'earlier' | 'later' | 'same';
}

export interface ReplayComparison {
  detections: { a: number; b: number };
  incidents: { a: number; b: number };
  keys: KeyComparison[];
}

function sides(r: ReplayResult): Map<string, KeySide> {
  const out = new Map<string, KeySide>();
  for (const inc of r.incidents) {
    const cur = out.get(inc.dedupKey);
    if (!cur) out.set(inc.dedupKey, { detections: inc.detections, incidents: 1, firstWarning: inc.openedAt, severity: inc.severity });
    else {
      cur.detections += inc.detections;
      cur.incidents++;
      if (SEVERITY_RANK[inc.severity] > SEVERITY_RANK[cur.severity]) cur.severity = inc.severity;
    }
  }
  return out;
}

/** Compare replay `a` (the running rules, say) with `b` (a candidate) key by key. */
export function compareReplays(a: ReplayResult, b: ReplayResult): ReplayComparison {
  const sa = sides(a);
  const sb = sides(b);
  const keys = [...new Set([...sa.keys(), ...sb.keys()])].sort();
  return {
    detections: { a: a.detections.length, b: b.detections.length },
    incidents: { a: a.incidents.length, b: b.incidents.length },
    keys: keys.map((dedupKey): KeyComparison => {
      const x = sa.get(dedupKey);
      const y = sb.get(dedupKey);
      if (!y) return { dedupKey, a: x!, verdict: 'only-a' };
      if (!x) return { dedupKey, b: y, verdict: 'only-b' };
      const delta = y.firstWarning - x.firstWarning;
      return { dedupKey, a: x, b: y, firstWarningDeltaMs: delta, verdict: delta < 0 ? 'earlier' : delta > 0 ? 'later' : 'same' };
    }),
  };
}
