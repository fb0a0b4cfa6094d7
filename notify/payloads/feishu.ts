// 飞书 custom bot: POST {"msg_type":"text","content":{"text"}} or {"msg_type":"interactive","card"};
// with 签名校验 the body also carries `timestamp` (seconds, a string) and `sign` =
// base64(HMAC-SHA256 with key "timestamp\nsecret" over an empty message).
import { createHmac } from 'node:crypto';
import type { Batch } from '../notice.js';
import { type HttpRequest, jsonPost } from './http-request.js';
import { markdownOf, plainOf, titleOf } from './text.js';

/** Feishu's sign for `timestampS` (seconds). */
export function feishuSign(timestampS: number, secret: string): string {
  return createHmac('sha256', `${timestampS}\n${secret}`).update('').digest('base64');
}

const TEMPLATE: Record<string, string> = { red: 'red', orange: 'orange', yellow: 'yellow', blue: 'blue' };

/** The Feishu bot body without the signature: a text message, or a card with a header and links. */
export function feishuBody(b: Batch, card: boolean): Record<string, unknown> {
  if (!card) return { msg_type: 'text', content: { text: plainOf(b) } };
  const n = b.head;
  const actions = [{ tag: 'button', text: { tag: 'plain_text', content: 'open the case' }, type: 'default', url: n.links.console }];
  if (n.links.ack)
    actions.unshift({ tag: 'button', text: { tag: 'plain_text', content: 'acknowledge 确认接收' }, type: 'primary', url: n.links.ack });
  return {
    msg_type: 'interactive',
    card: {
      header: { title: { tag: 'plain_text', content: titleOf(n, b.notices.length) }, template: TEMPLATE[n.incident.severity] ?? 'blue' },
      elements: [
        { tag: 'markdown', content: markdownOf({ ...b, head: { ...n, links: { ...n.links, ack: undefined } } }) },
        { tag: 'action', actions },
      ],
    },
  };
}

/** The POST to a Feishu bot, signed when it has a secret (Feishu accepts timestamps within an hour). */
export function feishuRequest(b: Batch, r: { url: string; secret?: string; card: boolean }, now: number): HttpRequest {
  const body = feishuBody(b, r.card);
  if (r.secret) {
    const ts = Math.floor(now / 1000);
    Object.assign(body, { timestamp: String(ts), sign: feishuSign(ts, r.secret) });
  }
  return jsonPost(r.url, body);
}
