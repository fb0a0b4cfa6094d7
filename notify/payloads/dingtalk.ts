// 钉钉 custom robot: POST {"msgtype":"markdown","markdown":{"title","text"}}; with 加签 the URL
// carries `timestamp` (ms) and `sign` = urlencode(base64(HMAC-SHA256(key=secret, "timestamp\nsecret"))).
import { createHmac } from 'node:crypto';
import type { Batch } from '../notice.js';
import { type HttpRequest, jsonPost } from './http-request.js';
import { markdownOf, titleOf } from './text.js';

/** DingTalk's sign for `timestampMs` (base64, before URL encoding). */
export function dingtalkSign(timestampMs: number, secret: string): string {
  return createHmac('sha256', secret).update(`${timestampMs}\n${secret}`, 'utf8').digest('base64');
}

/** The DingTalk robot body. */
export function dingtalkBody(b: Batch): { msgtype: 'markdown'; markdown: { title: string; text: string } } {
  return { msgtype: 'markdown', markdown: { title: titleOf(b.head, b.notices.length), text: markdownOf(b) } };
}

/** The POST to a DingTalk robot, signed when it has a secret (the timestamp must be within an hour of DingTalk's clock). */
export function dingtalkRequest(b: Batch, r: { url: string; secret?: string }, now: number): HttpRequest {
  const url = new URL(r.url);
  if (r.secret) {
    url.searchParams.set('timestamp', String(now));
    url.searchParams.set('sign', dingtalkSign(now, r.secret));
  }
  return jsonPost(url.toString(), dingtalkBody(b));
}
