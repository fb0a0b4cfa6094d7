// The wire format of each receiver type, built from a batch of notices. Pure: the sender does I/O.
import type { Receiver } from '../config.js';
import type { Batch } from '../notice.js';
import { alertmanagerRequest } from './alertmanager.js';
import { dingtalkRequest } from './dingtalk.js';
import { type Mail, emailMessage } from './email.js';
import { feishuRequest } from './feishu.js';
import type { HttpRequest } from './http-request.js';
import { webhookRequest } from './webhook.js';
import { wecomRequest } from './wecom.js';

export type { HttpRequest } from './http-request.js';
export type { Mail } from './email.js';
export { webhookSignature } from './webhook.js';
export { dingtalkSign } from './dingtalk.js';
export { feishuSign } from './feishu.js';

/** What to send: an HTTP POST, or a mail through the receiver's SMTP server. */
export type Outgoing = { kind: 'http'; request: HttpRequest } | { kind: 'mail'; mail: Mail };

/** The message for `receiver` (secrets resolved), built at send time so signed timestamps are fresh. */
export function buildOutgoing(
  b: Batch,
  receiver: Receiver,
  ctx: { now: number; deliveryId: string; externalURL: string; personEmail?: string },
): Outgoing {
  switch (receiver.type) {
    case 'webhook':
      return { kind: 'http', request: webhookRequest(b, receiver, ctx.deliveryId) };
    case 'alertmanager':
      return { kind: 'http', request: alertmanagerRequest(b, receiver, ctx.externalURL) };
    case 'wecom':
      return { kind: 'http', request: wecomRequest(b, receiver) };
    case 'dingtalk':
      return { kind: 'http', request: dingtalkRequest(b, receiver, ctx.now) };
    case 'feishu':
      return { kind: 'http', request: feishuRequest(b, receiver, ctx.now) };
    case 'email':
      return { kind: 'mail', mail: emailMessage(b, receiver, ctx.deliveryId, ctx.personEmail) };
  }
}
