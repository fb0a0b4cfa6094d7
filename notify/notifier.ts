// The notifier: turns committed incident changes into outbox rows (routes and duty rosters),
// runs the duty escalation on the service's deadline tick, and drains the outbox. Nothing here
// runs inside an incident transaction: changes are taken up on the next turn of the event loop.
import type { Logger } from 'pino';
import type { Incident, IncidentEvent, IncidentService } from '../alerts/index.js';
import { linkSecret, signLink } from './ack-link.js';
import type { NotifyConfig, NotifyEvent, Person, Receiver, Roster } from './config.js';
import { startDispatcher } from './dispatcher.js';
import { DUTY_STEPS, nextDutyStep, type DutyState, type DutyStep } from './duty-escalation.js';
import { notifyEventOf } from './events.js';
import type { Notice } from './notice.js';
import { openOutbox } from './outbox.js';
import { quietUntil } from './quiet-hours.js';
import { onDuty, personOf } from './roster.js';
import { routesFor } from './route-match.js';
import { createSender } from './sender.js';

/** What createNotifier needs from the service. */
export interface NotifierOptions {
  /** The `notify` block with its secrets resolved (resolveSecrets). */
  config: NotifyConfig;
  dataDir: string;
  incidents: IncidentService;
  /** The coordination office (一办): the last step of a duty escalation. */
  office: string;
  clock: () => number;
  logger: Logger;
  utcOffsetMinutes: number;
  /** The service's address for links; config.publicUrl wins. */
  baseUrl: () => string;
  /** Increments citysense_notifications_total. */
  count: (labels: { receiver: string; outcome: string }) => void;
}

/** Start the notifier; see the file comment. */
export function createNotifier(o: NotifierOptions) {
  const { config, clock, logger } = o;
  const outbox = openOutbox(o.dataDir, clock);
  const secret = linkSecret(config.linkSecret, o.dataDir);
  const receivers = new Map<string, Receiver>(config.receivers.map((r) => [r.name, r]));
  const rosters = new Map<string, Roster>(config.rosters.map((r) => [r.department, r]));
  const base = () => (config.publicUrl ?? o.baseUrl()).replace(/\/+$/, '');
  const emails = new Map<string, string>(
    config.rosters.flatMap((r) => r.people.flatMap((p) => (p.email ? [[p.name, p.email] as [string, string]] : []))),
  );
  const sender = createSender({ timeoutMs: config.retry.timeout });
  const dispatcher = startDispatcher({
    outbox,
    sender,
    receivers,
    retry: config.retry,
    pollIntervalMs: config.pollInterval,
    clock,
    logger,
    count: (receiver, outcome) => o.count({ receiver, outcome }),
    externalURL: base,
    emailOf: (person) => (person ? emails.get(person) : undefined),
  });

  const notice = (incident: Incident, event: NotifyEvent, ackAs: string, extra: Partial<Notice> = {}): Notice => {
    const b = base();
    const id = encodeURIComponent(incident.id);
    // An acknowledge link only while the case waits for one: after that the state machine refuses it.
    const ack =
      incident.state === 'warning'
        ? `${b}/a/${signLink({ v: 1, i: incident.id, p: ackAs, x: clock() + config.linkTtl }, secret)}`
        : undefined;
    return {
      event,
      incident,
      ts: clock(),
      links: { incident: `${b}/api/incidents/${id}`, console: `${b}/?incident=${id}`, ...(ack ? { ack } : {}) },
      ...extra,
    };
  };

  const heldUntil = (receiver: Receiver, incident: Incident) =>
    receiver.quietHours && incident.severity !== 'red' ? quietUntil(clock(), receiver.quietHours, o.utcOffsetMinutes) : undefined;

  /** Queue the message of one cause to each receiver of a person. */
  const tellPerson = (incident: Incident, person: Person, event: NotifyEvent, cause: string, route: string, extra: Partial<Notice>) => {
    for (const name of person.receivers) {
      const receiver = receivers.get(name)!;
      outbox.enqueue({
        incidentId: incident.id,
        cause,
        receiver: name,
        route,
        person: person.name,
        notice: notice(incident, event, person.name, { person: person.name, ...extra }),
        notBefore: heldUntil(receiver, incident),
      });
    }
  };

  const putDuty = outbox.db.prepare(
    'INSERT INTO duty_steps (incident_id, department, since, level, reminders, last_at) VALUES (@id, @department, @since, @level, @reminders, @lastAt) ON CONFLICT (incident_id) DO UPDATE SET department = excluded.department, since = excluded.since, level = excluded.level, reminders = excluded.reminders, last_at = excluded.last_at',
  );
  const dropDuty = outbox.db.prepare('DELETE FROM duty_steps WHERE incident_id = ?');
  const allDuty = outbox.db.prepare('SELECT * FROM duty_steps');

  function onCommitted(incident: Incident, event: IncidentEvent) {
    const ev = notifyEventOf(event.type);
    if (!ev) return;
    const cause = `ev:${event.id}`;
    for (const { index, route } of routesFor(config.routes, incident, ev)) {
      const receiver = receivers.get(route.receiver)!;
      outbox.enqueue({
        incidentId: incident.id,
        cause,
        receiver: receiver.name,
        route: `route:${index}`,
        notice: notice(incident, ev, receiver.name, { note: event.note }),
        group: { key: `route:${index}|${receiver.name}`, intervalMs: route.groupInterval },
        notBefore: heldUntil(receiver, incident),
      });
    }
    const now = clock();
    const roster = incident.department ? rosters.get(incident.department) : undefined;
    if (roster && (ev === 'opened' || ev === 'dispatched')) {
      tellPerson(incident, onDuty(roster, now, o.utcOffsetMinutes).person, ev, cause, `duty:${roster.department}`, {
        step: 'on-duty',
        note: event.note,
      });
      // The people escalation runs while the case waits for an acknowledgement.
      if (incident.state === 'warning')
        putDuty.run({ id: incident.id, department: roster.department, since: now, level: 0, reminders: 0, lastAt: now });
    }
    // The routing chain's own steps (吹哨报到 → 督办) name departments: their on-duty people hear it.
    if (ev === 'overdue' || ev === 'escalated' || ev === 'reminder') {
      const named = (event.data?.to ?? event.data?.notified ?? []) as unknown;
      for (const department of Array.isArray(named) ? named : []) {
        const r = typeof department === 'string' ? rosters.get(department) : undefined;
        if (r)
          tellPerson(incident, onDuty(r, now, o.utcOffsetMinutes).person, ev, cause, `duty:${r.department}`, {
            step: ev,
            note: event.note,
          });
      }
    }
    if (incident.state !== 'warning') dropDuty.run(incident.id);
  }

  /** Whether the event is in the store: a change published inside a transaction that then rolled back is not. */
  const committed = (incident: Incident, event: IncidentEvent) =>
    o.incidents.timeline(incident.id).some((e) => e.id === event.id && e.type === event.type && e.ts === event.ts);

  const people = (roster: Roster, step: DutyStep | number, since: number): Person[] => {
    const at = clock();
    const office = rosters.get(o.office);
    const byLevel = [
      onDuty(roster, since, o.utcOffsetMinutes).person,
      personOf(roster, roster.deputy)!,
      personOf(roster, roster.head)!,
      office ? onDuty(office, at, o.utcOffsetMinutes).person : undefined,
    ];
    if (typeof step === 'number') return byLevel.slice(0, step + 1).filter((p): p is Person => p !== undefined);
    const p = byLevel[DUTY_STEPS.indexOf(step as (typeof DUTY_STEPS)[number])];
    return p ? [p] : [];
  };

  /** One pass of the duty escalation: the step due for each case still waiting for an acknowledgement. */
  function checkDuty(): number {
    let sent = 0;
    for (const raw of allDuty.all() as Array<Record<string, number | string>>) {
      const id = raw.incident_id as string;
      const incident = o.incidents.get(id);
      const roster = rosters.get(raw.department as string);
      if (!incident || incident.state !== 'warning' || !roster || incident.department !== roster.department) {
        dropDuty.run(id);
        continue;
      }
      const state: DutyState = {
        since: raw.since as number,
        level: raw.level as number,
        reminders: raw.reminders as number,
        lastAt: raw.last_at as number,
      };
      const next = nextDutyStep(state, roster.escalation, clock());
      if (!next) continue;
      const to = next.step === 'reminder' ? people(roster, next.state.level, state.since) : people(roster, next.step, state.since);
      const ev: NotifyEvent = next.step === 'reminder' ? 'reminder' : 'escalated';
      const cause = `duty:${next.state.level}:${next.state.reminders}`;
      const note =
        next.step === 'reminder'
          ? `reminder ${next.state.reminders}: still not acknowledged`
          : `not acknowledged: escalated to the ${next.step}`;
      for (const p of to) tellPerson(incident, p, ev, cause, `duty:${roster.department}`, { step: next.step, note });
      putDuty.run({ id, department: roster.department, ...next.state });
      sent += to.length;
    }
    return sent;
  }

  let stopped = false;
  return {
    /** Take up a published incident change once its transaction is over (never inside it). */
    onIncidentChange(m: Record<string, unknown>) {
      const incident = m.incident as Incident | undefined;
      const event = m.event as IncidentEvent | undefined;
      if (!incident || !event || !notifyEventOf(event.type)) return;
      setImmediate(() => {
        if (stopped) return;
        try {
          if (!committed(incident, event)) return;
          onCommitted(incident, event);
          dispatcher.wake();
        } catch (err) {
          logger.error({ err, incidentId: incident.id, event: event.type }, 'notification could not be queued');
        }
      });
    },
    /** The duty escalation's tick, run by the service's deadline check. */
    tick() {
      if (stopped) return 0;
      try {
        const n = checkDuty();
        if (n > 0) dispatcher.wake();
        return n;
      } catch (err) {
        // Logged as ours: the deadline check it shares a timer with did its work.
        logger.error({ err }, 'duty escalation check failed');
        return 0;
      }
    },
    /** Who is on duty for `department` at `at`. */
    duty: (department: string, at: number) => {
      const roster = rosters.get(department);
      if (!roster) return undefined;
      const d = onDuty(roster, at, o.utcOffsetMinutes);
      return { roster, person: d.person, shift: d.shift };
    },
    departments: () => [...rosters.keys()],
    outbox,
    secret,
    async stop() {
      stopped = true;
      await dispatcher.stop();
      sender.close();
      outbox.close();
    },
  };
}

/** The notifier of createNotifier. */
export type Notifier = ReturnType<typeof createNotifier>;
