// The bridge between the service and the citysense Node-RED nodes. app/ builds it from the live
// streams and hands it to Node-RED as `settings.citysense`; the `.cjs` nodes read it from
// `RED.settings.citysense` and stay thin: parsing, matching and building detections happen here.
import { randomUUID } from 'node:crypto';
import type { Observable } from 'rxjs';
import { z } from 'zod';
import { type Incident, IncidentEvent } from '../alerts/index.js';
import type { Reading } from '../model/reading.js';
import { type Detection, SEVERITY_RANK, Severity } from '../model/detection.js';
import { Select } from '../rules/index.js';
import { compileSelect } from '../rules/index.js';
import { type AlertInput, type AlertResult, blank, flowDetection } from './alert.js';
import { issuesOf, issuesText } from '../model/index.js';

/** An incident change, as the /ws hub publishes it. */
export interface IncidentChange {
  incident: Incident;
  event: IncidentEvent;
}

/** A node's settings compiled to a predicate, or why they are wrong. */
export type Compiled<T> = { ok: true; match: (value: T) => boolean } | { ok: false; message: string };

/** What the citysense nodes get from the service (`RED.settings.citysense`). */
export interface FlowsBridge {
  /** Every accepted reading (hot). */
  readings$: Observable<Reading>;
  /** Every incident change (hot). */
  incidents$: Observable<IncidentChange>;
  /** A `citysense in` node's selector → a predicate; an error names the field. */
  select(config: unknown): Compiled<Reading>;
  /** A `citysense incident` node's filter → a predicate. */
  incidentFilter(config: unknown): Compiled<IncidentChange>;
  /** Raise an alert through the same path as rule detections (→ incident, /ws, store). */
  raise(input: AlertInput): AlertResult;
}

/** The service's side of the bridge, injected by app/. */
export interface FlowsBridgeOptions {
  readings$: Observable<Reading>;
  incidents$: Observable<IncidentChange>;
  /** The service's detection handler: the one rules' detections go through. */
  onDetection: (d: Detection) => void;
  clock?: () => number;
  newId?: () => string;
}

/** Node-RED stores every unset field as "": drop those before the shared rule selector parses. */
const NodeSelect = z.preprocess(
  (v) => (v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).filter(([, x]) => blank(x) !== undefined)) : v),
  Select,
);

const list = z.preprocess((v) => {
  const items =
    typeof v === 'string'
      ? v
          .split(',')
          .map((s) => s.trim())
          .filter(Boolean)
      : blank(v);
  return Array.isArray(items) && items.length === 0 ? undefined : items;
}, z.array(IncidentEvent.shape.type).optional());
/** The incident node's filter: event types (comma list), category, lowest severity. */
export const IncidentFilter = z.object({
  events: list,
  category: z.preprocess(blank, z.string().min(1).optional()),
  minSeverity: z.preprocess(blank, Severity.optional()),
});

const fail = (where: string, error: z.ZodError) => ({
  ok: false as const,
  message: issuesText(issuesOf(error), where),
});

/** Build the bridge over the service's streams and detection handler. */
export function createFlowsBridge(opts: FlowsBridgeOptions): FlowsBridge {
  const clock = opts.clock ?? Date.now;
  const newId = opts.newId ?? (() => `flow-${randomUUID()}`);
  // Only the selector fields: the node's own fields (name, wires, …) come along in its config.
  const pick = (config: unknown, keys: readonly string[]) =>
    config && typeof config === 'object' ? Object.fromEntries(keys.map((k) => [k, (config as Record<string, unknown>)[k]])) : config;
  return {
    readings$: opts.readings$,
    incidents$: opts.incidents$,
    select(config) {
      const parsed = NodeSelect.safeParse(pick(config, Object.keys(Select.shape)));
      return parsed.success ? { ok: true, match: compileSelect(parsed.data) } : fail('select', parsed.error);
    },
    incidentFilter(config) {
      const parsed = IncidentFilter.safeParse(pick(config, Object.keys(IncidentFilter.shape)) ?? {});
      if (!parsed.success) return fail('filter', parsed.error);
      const f = parsed.data;
      return {
        ok: true,
        match: ({ incident, event }) =>
          (f.events === undefined || f.events.includes(event.type)) &&
          (f.category === undefined || incident.category === f.category) &&
          (f.minSeverity === undefined || SEVERITY_RANK[incident.severity] >= SEVERITY_RANK[f.minSeverity]),
      };
    },
    raise(input) {
      const result = flowDetection(input, { id: newId(), now: clock() });
      if (result.ok) opts.onDetection(result.detection);
      return result;
    },
  };
}
