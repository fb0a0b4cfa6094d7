// The `notify` block of the config file (DESIGN.md § Notifications (config file)): receivers,
// routes, duty rosters. Secrets stay references here (`${ENV}`, `file:/path`); secrets.ts
// resolves them once at start-up so a missing one stops the service naming the field.
import { z } from 'zod';
import { Duration } from '../model/duration.js';
import { Severity } from '../model/detection.js';

/** The events a route may ask for; incident event types are mapped onto them in events.ts. */
export const NOTIFY_EVENTS = [
  'opened',
  'acknowledged',
  'dispatched',
  'arrived',
  'raised',
  'overdue',
  'escalated',
  'reminder',
  'resolved',
  'closed',
  'false_alarm',
] as const;
/** One of NOTIFY_EVENTS. */
export const NotifyEvent = z.enum(NOTIFY_EVENTS);
export type NotifyEvent = z.infer<typeof NotifyEvent>;

const Name = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a name of 1–64 letters, digits, _ . -');
const HttpUrl = z.url({ protocol: /^https?$/, error: 'an http(s) URL' });
/** A secret as written: literal, `${ENV_NAME}` or `file:/path` (secrets.ts). */
const Secret = z.string().min(1);
const HHMM = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'a time of day as HH:MM');

/** `{from, to}` as HH:MM in the service's UTC offset; `to` before `from` runs past midnight. */
export const QuietHours = z.strictObject({ from: HHMM, to: HHMM });
export type QuietHours = z.infer<typeof QuietHours>;

const common = { name: Name, quietHours: QuietHours.optional() };

/** A channel messages go through, by `type`. */
export const Receiver = z.discriminatedUnion('type', [
  z.strictObject({ ...common, type: z.literal('webhook'), url: HttpUrl, secret: Secret }),
  z.strictObject({ ...common, type: z.literal('alertmanager'), url: HttpUrl, secret: Secret.optional() }),
  z.strictObject({ ...common, type: z.literal('wecom'), url: HttpUrl }),
  z.strictObject({ ...common, type: z.literal('dingtalk'), url: HttpUrl, secret: Secret.optional() }),
  z.strictObject({ ...common, type: z.literal('feishu'), url: HttpUrl, secret: Secret.optional(), card: z.boolean().default(false) }),
  z.strictObject({
    ...common,
    type: z.literal('email'),
    smtp: z.strictObject({
      host: z.string().min(1),
      port: z.number().int().min(1).max(65535).default(587),
      /** TLS from the first byte (port 465); otherwise STARTTLS when the server offers it. */
      secure: z.boolean().default(false),
      user: z.string().min(1).optional(),
      password: Secret.optional(),
    }),
    from: z.string().min(3),
    to: z.array(z.email()).min(1),
  }),
]);
export type Receiver = z.infer<typeof Receiver>;

const oneOrMany = <T extends z.ZodType>(t: T) =>
  z.union([t, z.array(t).min(1)]).transform((v) => (Array.isArray(v) ? v : [v]) as z.infer<T>[]);

/** Facets of the case a route requires; each a value or a list, all must hold. */
export const RouteMatch = z.strictObject({
  severity: oneOrMany(Severity).optional(),
  category: oneOrMany(z.string().min(1)).optional(),
  department: oneOrMany(z.string().min(1)).optional(),
  district: oneOrMany(z.string().min(1)).optional(),
  grid: oneOrMany(z.string().min(1)).optional(),
});
export type RouteMatch = z.infer<typeof RouteMatch>;

/** The events of a route that names none. */
export const DEFAULT_EVENTS: NotifyEvent[] = ['opened', 'dispatched', 'overdue', 'escalated', 'reminder', 'resolved', 'closed'];

/** Which receiver hears which events of which cases. */
export const NotifyRoute = z.strictObject({
  match: RouteMatch.default({}),
  receiver: Name,
  events: z.array(NotifyEvent).min(1).default(DEFAULT_EVENTS),
  /** false: no message when the case is resolved, closed or found a false alarm. */
  sendResolved: z.boolean().default(true),
  /** At most one message per route and receiver in this interval; the rest go out together as one, with a count. */
  groupInterval: Duration.default(0),
  /** Go on matching the routes below this one. */
  continue: z.boolean().default(false),
});
export type NotifyRoute = z.infer<typeof NotifyRoute>;

const Weekday = z.enum(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']);
/** Someone on a roster and the receivers that reach them. */
export const Person = z.strictObject({
  name: z.string().trim().min(1).max(64),
  /** Names of `notify.receivers` that reach this person. */
  receivers: z.array(Name).min(1),
  /** Where an e-mail receiver sends when it tells this person (else the receiver's own `to`). */
  email: z.email().optional(),
});
export type Person = z.infer<typeof Person>;

/** A weekday and time range with the person on duty in it. */
export const Shift = z.strictObject({
  days: z.array(Weekday).min(1).default(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']),
  /** In the service's UTC offset; `to` before `from` runs past midnight into the next day. */
  from: HHMM,
  to: HHMM,
  person: z.string().min(1),
});
export type Shift = z.infer<typeof Shift>;

/** A department's duty roster (值班表) and its escalation delays. */
export const Roster = z
  .strictObject({
    department: z.string().min(1),
    people: z.array(Person).min(1),
    shifts: z.array(Shift).default([]),
    deputy: z.string().min(1),
    head: z.string().min(1),
    /** Delays from the case's opening (or dispatch to this department) while nobody acknowledges. */
    escalation: z
      .strictObject({
        deputyAfter: Duration.default(300_000),
        headAfter: Duration.default(600_000),
        officeAfter: Duration.default(900_000),
        /** Reminders to everyone told so far, after the office, until acknowledged. */
        remindEvery: Duration.default(900_000),
        maxReminders: z.number().int().min(0).max(100).default(8),
      })
      .prefault({}),
  })
  .superRefine((r, ctx) => {
    const names = new Set(r.people.map((p) => p.name));
    const need = (name: string, path: (string | number)[]) => {
      if (!names.has(name)) ctx.addIssue({ code: 'custom', path, message: `${name} is not among people` });
    };
    need(r.deputy, ['deputy']);
    need(r.head, ['head']);
    r.shifts.forEach((s, i) => need(s.person, ['shifts', i, 'person']));
    const e = r.escalation;
    if (!(e.deputyAfter <= e.headAfter && e.headAfter <= e.officeAfter)) {
      ctx.addIssue({ code: 'custom', path: ['escalation'], message: 'deputyAfter ≤ headAfter ≤ officeAfter' });
    }
  });
export type Roster = z.infer<typeof Roster>;

/** The `notify` block of the config file. */
export const NotifyConfig = z
  .strictObject({
    receivers: z.array(Receiver).default([]),
    routes: z.array(NotifyRoute).default([]),
    rosters: z.array(Roster).default([]),
    /** The service's address as people reach it, for the links in messages (default: the HTTP listener). */
    publicUrl: HttpUrl.optional(),
    /** Signs acknowledge links; default: a random key kept in the data dir (notify-link.key). */
    linkSecret: Secret.optional(),
    linkTtl: Duration.default(86_400_000),
    retry: z
      .strictObject({
        attempts: z.number().int().min(1).max(50).default(8),
        initialDelay: Duration.default(1_000),
        maxDelay: Duration.default(300_000),
        timeout: Duration.default(10_000),
      })
      .prefault({}),
    /** How often the outbox looks for due messages (a new message wakes it at once). */
    pollInterval: Duration.default(1_000),
  })
  .superRefine((c, ctx) => {
    const names = new Set<string>();
    c.receivers.forEach((r, i) => {
      if (names.has(r.name)) ctx.addIssue({ code: 'custom', path: ['receivers', i, 'name'], message: `receiver ${r.name} is named twice` });
      names.add(r.name);
    });
    const known = (name: string, path: (string | number)[]) => {
      if (!names.has(name)) ctx.addIssue({ code: 'custom', path, message: `no receiver named ${name}` });
    };
    c.routes.forEach((r, i) => known(r.receiver, ['routes', i, 'receiver']));
    c.rosters.forEach((r, i) =>
      r.people.forEach((p, j) => p.receivers.forEach((n, k) => known(n, ['rosters', i, 'people', j, 'receivers', k]))),
    );
    const departments = new Set<string>();
    c.rosters.forEach((r, i) => {
      if (departments.has(r.department))
        ctx.addIssue({ code: 'custom', path: ['rosters', i, 'department'], message: `${r.department} has two rosters` });
      departments.add(r.department);
    });
  });
export type NotifyConfig = z.infer<typeof NotifyConfig>;
export type NotifyConfigInput = z.input<typeof NotifyConfig>;
