// `GET /r/{token}` and `POST /r/{token}` (回访): no operator token, the link is the credential.
// A form post (the page) is answered with a page, a JSON post with JSON. Pure: app/ reads the
// request and writes the reply (app/follow-up-mount.ts).
import { type FollowUps, FollowUpAnswer, type LinkStatus } from './follow-up.js';
import { renderFollowUpForm, renderFollowUpGone, renderFollowUpThanks } from './follow-up-page.js';
import { type Reply, errorReply, zodIssues } from './http.js';

/** A request to a follow-up link as app/ hands it over: the raw body, not yet parsed. */
export interface FollowUpRequest {
  method: string;
  token: string;
  contentType?: string;
  body?: string;
}

const HTML = 'text/html; charset=utf-8';

const REFUSAL: Record<Exclude<LinkStatus, 'open'>, { status: number; code: string; message: string }> = {
  unknown: { status: 404, code: 'not_found', message: 'no such follow-up link' },
  answered: { status: 409, code: 'already_answered', message: 'this follow-up link has already been answered' },
  expired: { status: 410, code: 'expired', message: 'this follow-up link has expired' },
  superseded: { status: 410, code: 'superseded', message: 'the case was closed again and a newer link was sent' },
};

type BodyKind = 'json' | 'form' | undefined;
const kindOf = (contentType = ''): BodyKind => {
  const type = contentType.split(';')[0]!.trim().toLowerCase();
  return type === 'application/json' ? 'json' : type === 'application/x-www-form-urlencoded' ? 'form' : undefined;
};

/** The parsed body, or why it is not one. */
function parseBody(kind: BodyKind, text: string): { ok: true; value: unknown } | { ok: false } {
  if (kind === 'form') return { ok: true, value: Object.fromEntries(new URLSearchParams(text)) };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

/** The reply to a request on `/r/{token}`. */
export function followUpReply(followUps: FollowUps, req: FollowUpRequest): Reply {
  if (req.method === 'GET' || req.method === 'HEAD') {
    const found = followUps.lookup(req.token);
    if (!found.ok) return { status: REFUSAL[found.status].status, body: renderFollowUpGone(found.status), contentType: HTML };
    return { status: 200, body: renderFollowUpForm(found.incident), contentType: HTML };
  }
  if (req.method !== 'POST') return errorReply(405, 'method_not_allowed', `${req.method} not allowed on a follow-up link`);
  const kind = kindOf(req.contentType);
  if (!kind)
    return errorReply(415, 'unsupported_media_type', 'send application/json or application/x-www-form-urlencoded', [
      { path: '(body)', message: `content-type ${req.contentType ?? '(none)'}` },
    ]);
  const asPage = kind === 'form';
  const refuse = (status: Exclude<LinkStatus, 'open'>): Reply => {
    const r = REFUSAL[status];
    return asPage ? { status: r.status, body: renderFollowUpGone(status), contentType: HTML } : errorReply(r.status, r.code, r.message);
  };
  // The link first: a resident with an expired link learns that, not that a field was wrong.
  const found = followUps.lookup(req.token);
  if (!found.ok) return refuse(found.status);
  const body = parseBody(kind, req.body ?? '');
  if (!body.ok) return errorReply(400, 'bad_json', 'body is not valid JSON');
  const answer = FollowUpAnswer.safeParse(body.value);
  if (!answer.success) {
    const issues = zodIssues(answer.error);
    if (!asPage) return errorReply(400, 'bad_request', 'invalid answer', issues);
    const raw = (body.value ?? {}) as Record<string, unknown>;
    const keep = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
    const form = renderFollowUpForm(found.incident, {
      error: `请填写 0–100 的整数。 ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`,
      score: keep('score'),
      comment: keep('comment'),
    });
    return { status: 400, body: form, contentType: HTML };
  }
  const done = followUps.answer(req.token, answer.data);
  if (!done.ok) return refuse(done.status);
  if (asPage) return { status: 201, body: renderFollowUpThanks(done.score), contentType: HTML };
  return { status: 201, body: { incidentId: done.incident.id, score: done.score, answeredAt: new Date(done.answeredAt).toISOString() } };
}

/** `{token}` of a path `/r/{token}`, or undefined for any other path. */
export const followUpTokenOf = (path: string): string | undefined => /^\/r\/([^/]+)\/?$/.exec(path)?.[1];
