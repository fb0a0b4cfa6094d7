// The incident service: detections become incidents (deduplicated), people act on them
// through the state machine, deadlines raise `overdue` (吹哨报到). Every change is one
// stored event and one published `incident` message.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Location } from '../model/reading.js';
import { type Detection, SEVERITY_RANK } from '../model/detection.js';
import type { IncidentQuery, IncidentStore, LogMessage } from '../store/index.js';
import type { ActionBody, ManualReport } from './actions.js';
import { applyAction } from './apply-action.js';
import { deadlineChanges } from './escalation.js';
import { type GroupDefaults, findGroupIncident, groupOf, groupQuery, groupTitle, withMember } from './grouping.js';
import { type Incident, type IncidentEvent, type IncidentEventType, type IncidentGroup, OPEN_STATES } from '../model/incident.js';
import { INHIBITING, findInhibitor } from './inhibition.js';
import { reportEntry } from './intake.js';
import { type MutedKey, muteNote } from './muted-keys.js';
import { type Router, deadlinesFrom } from './routing.js';
import { transition } from './state-machine.js';
import type { MuteLedger } from './unmute.js';

export type ActResult =
  | { ok: true; incident: Incident; event: IncidentEvent; followUp?: { url: string; expiresAt: number } }
  | { ok: false; status: 400 | 404 | 409; code: string; message: string; issues?: Array<{ path: string; message: string }> };

export interface IncidentServiceOptions {
  store: IncidentStore;
  router: Router;
  /** Appends to the durable alert log and fans out to WebSocket clients. */
  publish: (message: LogMessage) => number;
  clock?: () => number;
  newId?: () => string;
  gridOf?: (loc: Location) => { grid?: string; district?: string } | undefined;
  /** Active silences (alerts/silences.ts): a match opens nothing and pushes nothing. */
  silences?: { match(d: Detection): { id: string; endsAt?: number } | undefined };
  /** Told of every muted detection, for metrics. */
  onMuted?: (d: Detection, why: { reason: 'silence'; silenceId: string } | { reason: 'inhibition'; incidentId: string }) => void;
  /** Muted raises kept until their rule clears (alerts/unmute.ts): muting never eats a warning. */
  muted?: MuteLedger;
  logger?: Logger;
  /** Grouping per rule kind for rules without their own `group` (config `grouping`, alerts/grouping.ts). */
  grouping?: GroupDefaults;
  /**
   * Runs each operation (a detection, a report, an action, a deadline check) as one unit: the
   * service passes one store transaction whose /ws messages go out after its commit.
   * Default: the writes as they come.
   */
  unit?: <T>(fn: () => T) => T;
}

export interface IncidentService {
  onDetection(detection: Detection): Incident | undefined;
  /** `audit` (the authenticated principal) goes into the event's `data`. */
  report(report: ManualReport, audit?: Record<string, string>): Incident;
  act(id: string, body: ActionBody, audit?: Record<string, string>): ActResult;
  /** Emit `overdue` for every deadline passed since the last check, then due escalations; returns how many events. */
  checkDeadlines(): number;
  /** Put an event that changes no state on the timeline (回访 follow-up), with `patch` applied; undefined for an unknown id. */
  record(
    id: string,
    type: IncidentEventType,
    actor: string,
    fields?: { note?: string; data?: Record<string, unknown> },
    patch?: Partial<Incident>,
  ): Incident | undefined;
  get(id: string): Incident | undefined;
  list(query: IncidentQuery): Incident[];
  timeline(id: string): IncidentEvent[];
}

/** Incident ids people can read out on a phone: INC-20261128-3F9A1C. */
export function newIncidentId(now = Date.now()): string {
  const day = new Date(now).toISOString().slice(0, 10).replaceAll('-', '');
  return `INC-${day}-${randomBytes(3).toString('hex').toUpperCase()}`;
}

/** Wire the closed loop over a store, a router and a publisher. */
export function createIncidentService(opts: IncidentServiceOptions): IncidentService {
  const { store, router, publish } = opts;
  const clock = opts.clock ?? Date.now;
  const newId = opts.newId ?? (() => newIncidentId(clock()));

  const event = (incident: Incident, type: IncidentEventType, actor: string, extra: Partial<IncidentEvent> = {}): IncidentEvent => ({
    id: 0,
    incidentId: incident.id,
    ts: clock(),
    type,
    actor,
    ...extra,
  });

  const emit = (incident: Incident, stored: IncidentEvent) => {
    publish({ type: 'incident', incident, event: stored });
  };
  const save = (next: Incident, ev: IncidentEvent) => emit(next, store.updateIncident(next, ev));
  const open = (incident: Incident, ev: IncidentEvent) => emit(incident, store.insertIncident(incident, ev));

  // A once-muted raise opens or attaches with a note of its mute.
  const unmuted = (d: Detection, was?: MutedKey) => ({
    note: was ? `${d.message} (${muteNote(was.spans, clock())})` : d.message,
    data: { ...detectionData(d), ...(was && { muted: was.spans }) },
  });

  function openFromDetection(d: Detection, was?: MutedKey, group?: IncidentGroup): Incident {
    const now = clock();
    const route = router.route(d);
    const incident: Incident = {
      id: newId(),
      state: 'warning',
      severity: d.severity,
      category: d.category,
      title: group ? groupTitle(d, group) : `${d.ruleName} · ${d.deviceId}`,
      description: d.message,
      source: 'rule',
      ruleId: d.ruleId,
      ruleVersion: d.ruleVersion,
      dedupKey: d.dedupKey,
      deviceId: d.deviceId,
      deviceKind: d.deviceKind,
      district: d.district,
      grid: d.grid,
      loc: d.loc,
      department: d.department ?? route.department,
      deadlines: deadlinesFrom(now, route.limits),
      overdue: [],
      createdAt: now,
      updatedAt: now,
      detections: 1,
      firstDetectionTs: d.readingTs ?? d.ts,
      lastDetectionTs: d.readingTs ?? d.ts,
      reopened: 0,
      ...(group ? { group, members: withMember([], d) } : {}),
    };
    open(incident, event(incident, 'opened', `rule:${d.ruleId}`, { to: 'warning', ...unmuted(d, was) }));
    return incident;
  }

  function attach(current: Incident, d: Detection, was?: MutedKey): Incident {
    const now = clock();
    // A grouped incident keeps each device's first and last detection, and whether it came back.
    const members = current.group ? { members: withMember(current.members ?? [], d) } : {};
    const joined = current.group !== undefined && !current.members?.some((m) => m.deviceId === d.deviceId);
    if (d.phase === 'clear') {
      const next = { ...current, ...members, updatedAt: now };
      save(next, event(next, 'cleared', `rule:${d.ruleId}`, { note: d.message, data: detectionData(d) }));
      return next;
    }
    const escalate = SEVERITY_RANK[d.severity] > SEVERITY_RANK[current.severity];
    const next: Incident = {
      ...current,
      severity: escalate ? d.severity : current.severity,
      detections: current.detections + 1,
      lastDetectionTs: d.readingTs ?? d.ts,
      updatedAt: now,
      ...members,
    };
    if (escalate && next.deadlines) {
      // A higher colour tightens the limits; a deadline never moves later.
      const tighter = deadlinesFrom(current.createdAt, router.route({ ...current, severity: d.severity }).limits);
      next.deadlines = {
        acknowledgeBy: Math.min(next.deadlines.acknowledgeBy, tighter.acknowledgeBy),
        arriveBy: Math.min(next.deadlines.arriveBy, tighter.arriveBy),
        resolveBy: Math.min(next.deadlines.resolveBy, tighter.resolveBy),
      };
    }
    const type = escalate ? 'escalated' : 'detection';
    const { note, data } = unmuted(d, was);
    save(
      next,
      event(next, type, `rule:${d.ruleId}`, { note, data: { ...data, from: current.severity, ...(joined ? { joined: true } : {}) } }),
    );
    return next;
  }

  /** Record a detection muted by a red/orange incident on that incident's timeline. */
  function inhibit(by: Incident, d: Detection): Incident {
    const next: Incident = { ...by, inhibited: (by.inhibited ?? 0) + 1, updatedAt: clock() };
    const note = `inhibited ${d.severity} ${d.ruleId} on ${d.deviceId} (covered by this ${by.severity} incident)`;
    save(next, event(next, 'inhibited', `rule:${d.ruleId}`, { note, data: { ...detectionData(d), dedupKey: d.dedupKey } }));
    opts.onMuted?.(d, { reason: 'inhibition', incidentId: by.id });
    opts.muted?.muted(d, { reason: 'inhibition', incidentId: by.id });
    return next;
  }

  const service: IncidentService = {
    onDetection(d) {
      // A clear ends the condition: a raise kept muted for this key is no longer owed an incident.
      if (d.phase === 'clear') opts.muted?.settle(d.dedupKey);
      // Silenced: stored (by the caller) and counted, but no alert and no incident.
      const silence = opts.silences?.match(d);
      if (silence) {
        opts.onMuted?.(d, { reason: 'silence', silenceId: silence.id });
        opts.muted?.muted(d, { reason: 'silence', silenceId: silence.id }, silence.endsAt);
        return undefined;
      }
      // DESIGN: repeated detections with the same dedup key attach to the open incident; a
      // grouped rule's detection also attaches to the open group incident listing its device, or
      // joins one whose latest new device is within the window (alerts/grouping.ts).
      const group = groupOf(d, opts.grouping);
      const current =
        store.findOpenByDedupKey(d.dedupKey) ??
        (group ? findGroupIncident(store.listIncidents(groupQuery(group, d)), group, d) : undefined);
      // Inhibition mutes what would open a new case; a case already open keeps its own detections.
      if (!current && d.phase === 'raise' && d.grid !== undefined) {
        const open = store.listIncidents({ state: [...OPEN_STATES], grid: d.grid, category: d.category, severity: [...INHIBITING] });
        const by = findInhibitor(open, d);
        if (by) return inhibit(by, d);
      }
      publish({ type: 'alert', alert: d });
      if (d.phase === 'clear') return current ? attach(current, d) : undefined;
      const was = opts.muted?.get(d.dedupKey);
      const done = current ? attach(current, d, was) : openFromDetection(d, was, group);
      if (was) opts.muted?.settle(d.dedupKey);
      return done;
    },

    report(r, audit) {
      const now = clock();
      const place = r.loc ? opts.gridOf?.(r.loc) : undefined;
      const grid = r.grid ?? place?.grid;
      const district = r.district ?? place?.district;
      const route = router.route({ category: r.category, severity: r.severity, district, grid });
      const incident: Incident = {
        id: newId(),
        state: 'warning',
        severity: r.severity,
        category: r.category,
        title: r.title,
        description: r.description,
        photo: r.photo,
        source: r.source,
        reportedBy: r.by,
        reports: [reportEntry(r, now)],
        reportCount: 1,
        grid,
        district,
        loc: r.loc,
        department: route.department,
        deadlines: deadlinesFrom(now, route.limits),
        overdue: [],
        createdAt: now,
        updatedAt: now,
        detections: 0,
        reopened: 0,
      };
      open(incident, event(incident, 'opened', r.by, { to: 'warning', note: r.description, data: { source: r.source, ...audit } }));
      return incident;
    },

    act(id, body, audit) {
      const current = store.getIncident(id);
      if (!current) return { ok: false, status: 404, code: 'not_found', message: `no incident ${id}` };
      const t = transition(current.state, body.action);
      if (!t.ok) return { ok: false, status: 409, code: 'invalid_transition', message: t.message };
      const now = clock();
      const applied = applyAction(current, { ...current, state: t.to, updatedAt: now }, body, { now, router, principal: audit?.principal });
      if (!applied.ok) return applied;
      const { next } = applied;
      const data = { ...audit, ...applied.data };
      const ev = event(next, t.event, body.by, {
        from: current.state,
        to: t.to,
        note: body.note,
        data: Object.keys(data).length ? data : undefined,
      });
      const stored = store.updateIncident(next, ev);
      emit(next, stored);
      return { ok: true, incident: next, event: stored };
    },

    checkDeadlines() {
      const now = clock();
      let emitted = 0;
      for (const inc of store.listOpen()) {
        for (const c of deadlineChanges(inc, now, router.escalationChain(inc), router.escalationPolicy())) {
          save(c.incident, event(c.incident, c.type, 'system', { note: c.note, data: c.data }));
          emitted++;
        }
      }
      return emitted;
    },

    record(id, type, actor, fields = {}, patch = {}) {
      const current = store.getIncident(id);
      if (!current) return undefined;
      const next: Incident = { ...current, ...patch, updatedAt: clock() };
      save(next, event(next, type, actor, fields));
      return next;
    },

    get: (id) => store.getIncident(id),
    list: (q) => store.listIncidents(q),
    timeline: (id) => store.events(id),
  };
  const unit = opts.unit;
  if (!unit) return service;
  return {
    ...service,
    onDetection: (d) => unit(() => service.onDetection(d)),
    report: (r, audit) => unit(() => service.report(r, audit)),
    act: (id, body, audit) => unit(() => service.act(id, body, audit)),
    checkDeadlines: () => unit(() => service.checkDeadlines()),
    record: (...args) => unit(() => service.record(...args)),
  };
}

function detectionData(d: Detection): Record<string, unknown> {
  return {
    detectionId: d.id,
    severity: d.severity,
    metric: d.metric,
    value: d.value,
    eventType: d.eventType,
    readingTs: d.readingTs,
    deviceId: d.deviceId,
  };
}
