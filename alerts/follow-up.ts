// 回访 (resident follow-up): closing a case that came from a report makes a one-time link
// `/r/{token}` through which the resident scores the result (0–100) and comments. The token is
// random (256 bits) and only its SHA-256 is stored; the link expires (config `followUp.ttl`),
// and answers once. The answer goes on the incident's timeline (`follow_up`) and into 综合评价.
import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { FollowUpLink } from '../model/follow-up.js';
import type { FollowUpStore } from '../store/index.js';
import type { Incident } from '../model/incident.js';
import type { IncidentService } from './incidents.js';

export { FollowUpLink } from '../model/follow-up.js';

/** 43 base64url characters: 32 random bytes. Anything else cannot be a token and is not looked up. */
export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** The resident's answer, from JSON or a form (where every value is text). */
export const FollowUpAnswer = z.object({
  score: z
    .union(
      [
        z.number(),
        z
          .string()
          .trim()
          .regex(/^\d{1,3}$/, 'score must be a whole number from 0 to 100')
          .transform(Number),
      ],
      {
        error: 'score must be a whole number from 0 to 100',
      },
    )
    .pipe(z.number().int('score must be a whole number').min(0, 'score must be at least 0').max(100, 'score must be at most 100')),
  comment: z
    .string()
    .trim()
    .max(1000, 'comment: at most 1000 characters')
    // An empty box is no comment.
    .transform((c) => c || undefined)
    .optional(),
});
export type FollowUpAnswer = z.infer<typeof FollowUpAnswer>;

/** A fresh token: 256 random bits, base64url. */
export const newToken = (): string => randomBytes(32).toString('base64url');

/** What the store keeps of a token. */
export const hashToken = (token: string): string => createHash('sha256').update(token).digest('hex');

/** Where a link stands at `now`: answerable, or why not (the HTTP status follows from it). */
export type LinkStatus = 'open' | 'unknown' | 'answered' | 'expired' | 'superseded';

/** The status of a stored link (or of none) at `now`. */
export function linkStatus(link: FollowUpLink | undefined, now: number): LinkStatus {
  if (!link) return 'unknown';
  if (link.answeredAt !== undefined) return 'answered';
  if (link.supersededAt !== undefined) return 'superseded';
  return now >= link.expiresAt ? 'expired' : 'open';
}

/** Whether closing this incident sends a link: a report by people (not a rule), not yet answered, from a listed source if any are listed. */
export function wantsFollowUp(incident: Incident, sources?: readonly string[]): boolean {
  if (incident.source === 'rule' || incident.followUp?.answeredAt !== undefined) return false;
  return sources === undefined || sources.includes(incident.source);
}

/** What the follow-up service is built from. */
export interface FollowUpOptions {
  links: FollowUpStore;
  incidents: IncidentService;
  ttlMs: number;
  /** The public base URL the link starts with (read at each close: the port may be known only after start). */
  baseUrl: () => string;
  /** Only reports from these sources get a link; default every report. */
  sources?: readonly string[];
  clock?: () => number;
  /** One store transaction (and deferred /ws sends) around each operation, as the incident service has. */
  unit?: <T>(fn: () => T) => T;
}

/** The answer to a link: the case it is about, or why it cannot be used. */
export type Lookup = { ok: true; link: FollowUpLink; incident: Incident } | { ok: false; status: Exclude<LinkStatus, 'open'> };
/** The outcome of an answer: recorded, or why the link could not take it. */
export type Answered =
  { ok: true; incident: Incident; score: number; answeredAt: number } | { ok: false; status: Exclude<LinkStatus, 'open'> };

/** The follow-up service: make links at close, look them up, record answers. */
export interface FollowUps {
  /** Make a link for a just-closed case when it wants one; the previous unanswered link of the case is retired. */
  issue(incident: Incident): { url: string; expiresAt: number } | undefined;
  /** The case behind a token, if the link can still be answered. */
  lookup(token: string): Lookup;
  /** Record the answer once: timeline event, incident, link; all in one unit. */
  answer(token: string, answer: FollowUpAnswer): Answered;
}

/** The follow-up service over its link store and the incident service. */
export function createFollowUps(opts: FollowUpOptions): FollowUps {
  const clock = opts.clock ?? Date.now;
  const unit = opts.unit ?? (<T>(fn: () => T) => fn());
  const find = (token: string): Lookup => {
    const link = TOKEN_PATTERN.test(token) ? opts.links.byHash(hashToken(token)) : undefined;
    const status = linkStatus(link, clock());
    const incident = link && opts.incidents.get(link.incidentId);
    if (status !== 'open' || !link || !incident) return { ok: false, status: status === 'open' ? 'unknown' : status };
    return { ok: true, link, incident };
  };
  return {
    issue: (incident) =>
      unit(() => {
        if (!wantsFollowUp(incident, opts.sources)) return undefined;
        const now = clock();
        const token = newToken();
        const expiresAt = now + opts.ttlMs;
        opts.links.supersede(incident.id, now);
        opts.links.insert({ tokenHash: hashToken(token), incidentId: incident.id, createdAt: now, expiresAt });
        opts.incidents.record(incident.id, 'follow_up_sent', 'system', { data: { expiresAt } }, { followUp: { sentAt: now, expiresAt } });
        return { url: `${opts.baseUrl().replace(/\/+$/, '')}/r/${token}`, expiresAt };
      }),
    lookup: find,
    answer: (token, a) =>
      unit(() => {
        const found = find(token);
        if (!found.ok) return found;
        const now = clock();
        if (!opts.links.markAnswered(found.link.tokenHash, now)) return { ok: false, status: 'answered' };
        const followUp = {
          sentAt: found.link.createdAt,
          expiresAt: found.link.expiresAt,
          ...found.incident.followUp,
          answeredAt: now,
          score: a.score,
        };
        // The resident is not named: the link is the only credential, and a phone number is not for the timeline.
        const incident = opts.incidents.record(
          found.incident.id,
          'follow_up',
          'resident',
          { note: a.comment, data: { score: a.score } },
          { followUp },
        );
        return { ok: true, incident: incident!, score: a.score, answeredAt: now };
      }),
  };
}

/** The incident service with a follow-up link made, in the same unit, by every close that wants one. */
export function withFollowUps(
  incidents: IncidentService,
  followUps: FollowUps,
  unit: <T>(fn: () => T) => T = (fn) => fn(),
): IncidentService {
  return {
    ...incidents,
    act: (id, body, audit) =>
      unit(() => {
        const r = incidents.act(id, body, audit);
        if (!r.ok || body.action !== 'close') return r;
        const followUp = followUps.issue(r.incident);
        return followUp ? { ...r, incident: incidents.get(id) ?? r.incident, followUp } : r;
      }),
  };
}
