// `/r/{token}` (回访) served as a mount of the HTTP server: it needs no operator token and takes
// form posts, which the API's JSON-only body parsing refuses. The handling is alerts/follow-up-http.ts.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type FollowUps, errorReply, followUpReply, followUpTokenOf } from '../alerts/index.js';
import { FOLLOW_UP_CSP } from '../alerts/index.js';
import type { Mount } from './http-server.js';
import { readBody, requestUrl, send } from './http-io.js';

/** A score and a comment fit in far less: anything larger is not a resident's answer. */
const MAX_BODY = 16 * 1024;

// The token is in the address: no referrer may carry it away, and no cache may keep the page.
const HEADERS = {
  'content-security-policy': FOLLOW_UP_CSP,
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex',
};

/** The mount for `/r/`, over the follow-up service. */
export function createFollowUpMount(followUps: FollowUps): Mount {
  return {
    prefix: '/r',
    async handle(req: IncomingMessage, res: ServerResponse) {
      const url = requestUrl(req);
      const token = url && followUpTokenOf(url.pathname);
      if (token === undefined) return false;
      const method = req.method ?? 'GET';
      let body: string | undefined;
      if (method === 'POST') {
        body = await readBody(req, res, MAX_BODY, errorReply(413, 'too_large', `body larger than ${MAX_BODY} bytes`));
        if (body === undefined) return true; // readBody has answered 413
      }
      const reply = followUpReply(followUps, { method, token: decodeURIComponent(token), contentType: req.headers['content-type'], body });
      send(res, method === 'HEAD' ? { ...reply, body: '' } : reply, HEADERS);
      return true;
    },
  };
}
