// The incident service: detections become incidents (deduplicated), people act on them
// through the state machine, deadlines raise `overdue` (吹哨报到). Every change is one
// stored event and one published `incident` message.
import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Location } from '../ingest/schemas.js';
import { type Detection, SEVERITY_RANK } from '../rules/detection.js';
import type { IncidentQuery, IncidentStore, LogMessage } from '../store/types.js';
import type { ActionBody, ManualReport } from './actions.js';
import type { Incident, IncidentEvent, IncidentEventType } from './incident.js';
import { type Router, deadlinesFrom } from './routing.js';
import { transition } from './state-machine.js';

export type ActResult =
  | { ok: true; incident: Incident; event: IncidentEvent }
  | { ok: false; status: 404 | 409; code: string; message: string };

export interface IncidentServiceOptions {
  store: IncidentStore;
  router: Router;
  /** Appends to the durable alert log and fans out to WebSocket clients. */
  publish: (message: LogMessage) => number;
  clock?: () => number;
  newId?: () => string;
  gridOf?: (loc: Location) => { grid?: string; district?: string } | undefined;
  logger?: Logger;
}

export interface IncidentService {
  onDetection(detection: Detection): Incident | undefined;
  report(report: ManualReport): Incident;
  act(id: string, body: ActionBody): ActResult;
  /** Emit `overdue` for every deadline that passed since the last check; returns how many. */
  checkDeadlines(): number;
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

  const event = (
    incident: Incident,
    type: IncidentEventType,
    actor: string,
    extra: Partial<IncidentEvent> = {},
  ): IncidentEvent => ({ id: 0, incidentId: incident.id, ts: clock(), type, actor, ...extra });

  const emit = (incident: Incident, stored: IncidentEvent) => {
    publish({ type: 'incident', incident, event: stored });
  };
  const save = (next: Incident, ev: IncidentEvent) => emit(next, store.updateIncident(next, ev));
  const open = (incident: Incident, ev: IncidentEvent) => emit(incident, store.insertIncident(incident, ev));

  function openFromDetection(d: Detection): Incident {
    const now = clock();
    const route = router.route(d);
    const incident: Incident = {
      id: newId(),
      state: 'warning',
      severity: d.severity,
      category: d.category,
      title: `${d.ruleName} · ${d.deviceId}`,
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
    };
    open(incident, event(incident, 'opened', `rule:${d.ruleId}`, { to: 'warning', note: d.message, data: detectionData(d) }));
    return incident;
  }

  function attach(current: Incident, d: Detection): Incident {
    const now = clock();
    if (d.phase === 'clear') {
      const next = { ...current, updatedAt: now };
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
    save(next, event(next, type, `rule:${d.ruleId}`, { note: d.message, data: { ...detectionData(d), from: current.severity } }));
    return next;
  }

  return {
    onDetection(d) {
      publish({ type: 'alert', alert: d });
      // DESIGN: repeated detections with the same dedup key attach to the open incident.
      const current = store.findOpenByDedupKey(d.dedupKey);
      if (current) return attach(current, d);
      if (d.phase === 'clear') return undefined;
      return openFromDetection(d);
    },

    report(r) {
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
      open(incident, event(incident, 'opened', r.by, { to: 'warning', note: r.description, data: { source: r.source } }));
      return incident;
    },

    act(id, body) {
      const current = store.getIncident(id);
      if (!current) return { ok: false, status: 404, code: 'not_found', message: `no incident ${id}` };
      const t = transition(current.state, body.action);
      if (!t.ok) return { ok: false, status: 409, code: 'invalid_transition', message: t.message };
      if (body.action === 'close' && current.resolvedBy === body.by) {
        // DESIGN: 核查结案 — closed only when verified by someone other than the responder.
        return {
          ok: false,
          status: 409,
          code: 'same_actor',
          message: `close must be verified by someone other than the responder (${body.by})`,
        };
      }
      const now = clock();
      const next: Incident = { ...current, state: t.to, updatedAt: now };
      const data: Record<string, unknown> = {};
      switch (body.action) {
        case 'acknowledge':
          next.acknowledgedAt = now;
          break;
        case 'dispatch':
          next.dispatchedAt = now;
          next.department = body.department ?? current.department;
          data.department = next.department;
          break;
        case 'feedback':
          next.resolvedAt = now;
          next.resolvedBy = body.by;
          break;
        case 'close':
          next.closedAt = now;
          break;
        case 'review':
          next.reviewedAt = now;
          next.review = body.review;
          break;
        case 'reopen': {
          // 返工: the department gets the case back with fresh arrive/resolve limits.
          next.reopened = current.reopened + 1;
          next.dispatchedAt = now;
          next.resolvedAt = undefined;
          next.resolvedBy = undefined;
          next.closedAt = undefined;
          if (body.department) next.department = body.department;
          const limits = router.route({ ...next }).limits;
          const fresh = deadlinesFrom(now, limits);
          next.deadlines = { ...fresh, acknowledgeBy: current.deadlines?.acknowledgeBy ?? fresh.acknowledgeBy };
          next.overdue = current.overdue.filter((o) => o === 'acknowledge');
          data.department = next.department;
          break;
        }
        case 'false_alarm':
          break;
      }
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
        const d = inc.deadlines;
        if (!d) continue;
        const due: Array<[string, number, boolean]> = [
          ['acknowledge', d.acknowledgeBy, inc.state === 'warning'],
          ['arrive', d.arriveBy, inc.state === 'warning' || inc.state === 'acknowledged'],
          ['resolve', d.resolveBy, inc.state !== 'resolved'],
        ];
        let current = inc;
        for (const [name, by, pending] of due) {
          if (!pending || now <= by || current.overdue.includes(name)) continue;
          current = { ...current, overdue: [...current.overdue, name], updatedAt: now };
          const note = `吹哨报到: ${current.department ?? 'department'} missed the ${name} deadline`;
          save(current, event(current, 'overdue', 'system', { note, data: { deadline: name, due: by, department: current.department } }));
          emitted++;
        }
      }
      return emitted;
    },

    get: (id) => store.getIncident(id),
    list: (q) => store.listIncidents(q),
    timeline: (id) => store.events(id),
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
