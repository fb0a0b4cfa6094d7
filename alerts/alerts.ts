// The alerts stage wired together: the incident service and the /ws hub over one durable log,
// silences and the mute ledger (muting never eats a warning), the intake of manual reports,
// resident follow-ups, and the HTTP routes over them. app/ gives it the store, the router and
// the hooks into other stages; nothing of alerts/ is wired anywhere else.
import type { Logger } from 'pino';
import type { Detection, IncidentMessage, Location, LogMessage } from '../model/index.js';
import type { CaseStore, TelemetrySink } from '../store/index.js';
import { auditOf, inScope, scopeOf, type Principal } from './access.js';
import type { CapOptions } from './cap.js';
import type { EvaluationModel } from './evaluation-model.js';
import { evaluationRoutes } from './evaluation-http.js';
import { createFollowUps, withFollowUps, type FollowUps } from './follow-up.js';
import type { GroupDefaults } from './grouping.js';
import { incidentRoutes, type IncidentRouteDeps, type Route } from './http.js';
import { createHub, type Hub, type HubOptions } from './hub.js';
import { createIncidentService, type IncidentService } from './incidents.js';
import type { IntakeOptions } from './intake.js';
import { createIntake, type Intake } from './intake-service.js';
import { managementRoutes } from './management-http.js';
import { createMutedKeys } from './muted-keys.js';
import type { Router } from './routing.js';
import { createSilenceService, type SilenceService } from './silences.js';
import { createMuteLedger, sweepAfterActions, sweepAfterExpire, type MuteLedgerRuntime } from './unmute.js';

/** What the stage is told of each incident change (after the /ws log has it), in the order listeners were added. */
export type IncidentListener = (change: IncidentMessage) => void;

export interface AlertsDeps {
  store: Pick<CaseStore, 'incidents' | 'silences' | 'mutedKeys' | 'followUps' | 'alertLog' | 'cases' | 'writeTransaction'>;
  router: Router;
  clock: () => number;
  logger: Logger;
  /** The grid and district of a location (ingest's grid locator). */
  gridOf?: (loc: Location) => { grid?: string; district?: string } | undefined;
  /** Grouping per rule kind for rules without their own `group` (config `grouping`). */
  grouping?: GroupDefaults;
  /** Forget a rule's raised state of a detection's key: its next reading raises again (the rule engine's release). */
  release?: (d: Detection) => void;
  /** Cluster mode: other nodes append to the same alert log (the hub's `sharedLog`). */
  sharedLog?: HubOptions['sharedLog'];
  /** Cluster mode: whether this node hands back the muted raises of every node (the one running the clock). */
  sweepsMuted?: () => boolean;
  /** Told of every muted detection, for metrics. */
  onMuted?: (d: Detection, why: { reason: 'silence' | 'inhibition' }) => void;
  intake: Pick<IntakeOptions, 'mergeRadiusM' | 'mergeRoles'>;
  followUp: { ttlMs: number; sources?: readonly string[]; baseUrl: () => string };
  /** What the HTTP routes need besides the stage's own services. */
  http: Pick<IncidentRouteDeps, 'limit' | 'reviewInputs'> & {
    telemetry: TelemetrySink;
    cap: CapOptions;
    utcOffsetMinutes?: number;
    evaluation?: EvaluationModel;
  };
}

export interface Alerts {
  /** The closed loop, with follow-up links made at close and muted raises handed back after each action. */
  incidents: IncidentService;
  hub: Hub;
  /** Silences; ending one hands back the raises it kept. */
  silences: SilenceService;
  intake: Intake;
  followUps: FollowUps;
  /** Muted raises kept until their rule clears. */
  muted: MuteLedgerRuntime;
  /** Hear of every incident change (the flows bridge, notifications, the time-series sink, the evidence freezer). */
  onIncidentChange(listener: IncidentListener): void;
  /** Overdue deadlines and escalations, then raises whose mute ended (also a silence ended through another connection). */
  tick(): void;
  /** /api/incidents, /api/silences, CAP and /api/evaluation. */
  routes(): Route[];
  close(): void;
}

/** Build the alerts stage over its store. */
export function createAlerts(deps: AlertsDeps): Alerts {
  const { store, router, clock, logger } = deps;
  const office = router.office();
  const listeners: IncidentListener[] = [];
  // Out of a scoped responder's department reads as unknown, as over HTTP.
  const ackFromWs = (incidentId: string, by: string, principal?: Principal) => {
    const found = incidents.get(incidentId);
    if (!found || !inScope(principal, scopeOf(found, office)))
      return { ok: false as const, status: 404, code: 'not_found', message: `no incident ${incidentId}` };
    const r = incidents.act(incidentId, { action: 'acknowledge', by }, auditOf(principal));
    return r.ok ? { ok: true as const } : r;
  };
  const departmentOfAlert = (d: Detection) => d.department ?? router.route(d).department;
  const hub = createHub({
    log: store.alertLog,
    logger: logger.child({ stage: 'ws' }),
    onAck: (incidentId, by, principal) => ackFromWs(incidentId, by, principal),
    // An incident message reaches its department and whoever its escalation told (一办 included).
    departmentOf: (m) => (m.type === 'incident' ? scopeOf(m.incident, office) : m.alert ? departmentOfAlert(m.alert) : undefined),
    sharedLog: deps.sharedLog,
  });
  const publish = (m: LogMessage) => {
    const seq = hub.publish(m);
    if (m.type === 'incident') for (const listener of listeners) listener(m);
    return seq;
  };
  // Each operation is one store transaction, its /ws messages sent once committed
  // (a detection's three commits were most of the main thread with 200 devices).
  const unit = <T>(fn: () => T): T => hub.deferSends(() => store.writeTransaction(fn));
  const silences = createSilenceService({ store: store.silences, clock });
  const alertsLogger = logger.child({ stage: 'alerts' });
  // Muting never eats a warning: a muted raise is kept (in the store) until its rule clears, and
  // handed back when its silence ends or its inhibitor closes (docs/alerts.md § Muting never eats a warning).
  const muted = createMuteLedger({
    keys: createMutedKeys(),
    store: store.mutedKeys,
    silences,
    incidents: store.incidents,
    redo: (d) => incidents.onDetection(d),
    release: deps.release,
    clock,
    logger: alertsLogger,
    sweepsShared: deps.sweepsMuted,
  });
  const core = createIncidentService({
    store: store.incidents,
    router,
    publish,
    clock,
    gridOf: deps.gridOf,
    silences,
    grouping: deps.grouping,
    onMuted: deps.onMuted,
    muted,
    logger,
    unit,
  });
  // 回访: a close of a reported case makes the resident's link in the close's own transaction.
  const { ttlMs, sources, baseUrl } = deps.followUp;
  const followUps = createFollowUps({ links: store.followUps, incidents: core, ttlMs, baseUrl, sources, clock, unit });
  const incidents = sweepAfterActions(withFollowUps(core, followUps, unit), muted);
  // 12345 / citizen intake: a report near an open case of its category joins it.
  const intake = createIntake({ store: store.incidents, incidents, publish, options: deps.intake, gridOf: deps.gridOf, clock, unit });
  const publicSilences = sweepAfterExpire(silences, muted);
  const { http } = deps;

  return {
    incidents,
    hub,
    silences: publicSilences,
    intake,
    followUps,
    muted,
    onIncidentChange: (listener) => void listeners.push(listener),
    tick() {
      incidents.checkDeadlines();
      muted.sweep();
    },
    routes: () => [
      ...incidentRoutes({
        incidents,
        telemetry: http.telemetry,
        clock,
        office,
        intake,
        limit: http.limit,
        reviewInputs: http.reviewInputs,
      }),
      ...managementRoutes({ incidents, silences: publicSilences, cap: http.cap, clock }),
      ...evaluationRoutes({ cases: store.cases, clock, utcOffsetMinutes: http.utcOffsetMinutes, model: http.evaluation }),
    ],
    close() {
      muted.close();
      hub.close();
    },
  };
}
