// The generic webhook (DESIGN.md § Notifications): POST {"version": 1, "event", "incident",
// "links"} with X-Citysense-Signature: sha256=<hex HMAC-SHA256 of the body with the secret>.
import { createHmac } from 'node:crypto';
import type { Batch } from '../notice.js';
import { type HttpRequest, jsonPost } from './http-request.js';

/** The signature header value for `body` (what a receiver recomputes to check it). */
export function webhookSignature(body: string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** The webhook body: the contract's four fields, and `count` + `grouped` when a storm was folded into it. */
export function webhookBody(b: Batch): Record<string, unknown> {
  const n = b.head;
  const body: Record<string, unknown> = { version: 1, event: n.event, incident: n.incident, links: n.links };
  if (b.notices.length > 1) {
    body.count = b.notices.length;
    body.grouped = b.notices.map((x) => ({
      event: x.event,
      incidentId: x.incident.id,
      title: x.incident.title,
      severity: x.incident.severity,
      ts: new Date(x.ts).toISOString(),
    }));
  }
  return body;
}

/** The signed webhook POST; `deliveryId` lets a receiver drop a repeat after a crash mid-send. */
export function webhookRequest(b: Batch, r: { url: string; secret: string }, deliveryId: string): HttpRequest {
  const req = jsonPost(r.url, webhookBody(b));
  req.headers['x-citysense-signature'] = webhookSignature(req.body, r.secret);
  req.headers['x-citysense-delivery'] = deliveryId;
  return req;
}
