// A real in-memory SQLite store, a controlled clock and an incident service over them, for the
// alert-management tests (silences, inhibition, escalation, CAP, evaluation).
import { createIncidentService, type IncidentService } from '../../../alerts/incidents.js';
import { DEFAULT_ROUTING, RoutingTable, type RoutingTableInput, createRouter } from '../../../alerts/routing.js';
import { createSilenceService, type SilenceService } from '../../../alerts/silences.js';
import type { Detection } from '../../../model/detection.js';
import { type SqliteStore, openSqliteStore } from '../../../store/index.js';
import type { LogMessage } from '../../../store/types.js';

export const T0 = Date.UTC(2026, 10, 28, 8, 0, 0);

let n = 0;
/** A detection like the threshold rule `water-high` emits. */
export const detection = (over: Partial<Detection> = {}): Detection => ({
  id: `d-${++n}`,
  ts: T0,
  phase: 'raise',
  ruleId: 'water-high',
  ruleVersion: 1,
  ruleName: '积水超限',
  ruleKind: 'threshold',
  severity: 'yellow',
  category: 'flood',
  dedupKey: 'water-high:sensor-001',
  deviceId: 'sensor-001',
  deviceKind: 'sensor',
  grid: 'G-1-1',
  district: 'huangpu',
  loc: { lat: 31.2304, lon: 121.4737 },
  metric: 'waterLevel',
  value: 0.6,
  message: 'waterLevel 0.6 > 0.5',
  readingTs: T0,
  ...over,
});

export interface Harness {
  store: SqliteStore;
  svc: IncidentService;
  silences: SilenceService;
  published: LogMessage[];
  muted: Array<{ detection: string; reason: string }>;
  clock: { now: number };
  close(): Promise<void>;
}

/** The harness; `routing` overrides the built-in table. */
export function harness(routing: Partial<RoutingTableInput> = {}): Harness {
  const store = openSqliteStore({ path: ':memory:' });
  const clock = { now: T0 };
  const published: LogMessage[] = [];
  const muted: Harness['muted'] = [];
  const silences = createSilenceService({ store: store.silences, clock: () => clock.now });
  let ids = 0;
  const svc = createIncidentService({
    store: store.incidents,
    router: createRouter(RoutingTable.parse({ ...DEFAULT_ROUTING, ...routing })),
    publish: (m) => published.push(m),
    clock: () => clock.now,
    newId: () => `INC-TEST-${++ids}`,
    silences,
    onMuted: (d, why) => muted.push({ detection: d.id, reason: why.reason }),
  });
  return { store, svc, silences, published, muted, clock, close: () => store.close() };
}
