// What one notification says, stored in the outbox as JSON and read back with this schema:
// the payload builders (payloads/) turn it into each receiver's wire format when it is sent.
import { z } from 'zod';
import { Incident } from '../alerts/index.js';
import { NotifyEvent } from './config.js';

/** The links a message carries. */
export const Links = z.object({
  /** The case in the API (needs a token). */
  incident: z.string(),
  /** The case in the operator console. */
  console: z.string(),
  /** The signed, expiring acknowledge link (GET, no token); only while the case waits for one. */
  ack: z.string().optional(),
});
export type Links = z.infer<typeof Links>;

/** One notification's content, as the outbox stores it. */
export const Notice = z.object({
  event: NotifyEvent,
  incident: Incident,
  /** The note of the incident event behind it (e.g. who the escalation told). */
  note: z.string().optional(),
  /** The roster person told, when the message goes to a person rather than a channel. */
  person: z.string().optional(),
  /** The step of a duty escalation: on-duty, deputy, head, office, reminder. */
  step: z.string().optional(),
  links: Links,
  ts: z.number(),
});
export type Notice = z.infer<typeof Notice>;

/** One message as sent: the newest notice of its group first, with the others it carries (a storm folded into one). */
export interface Batch {
  head: Notice;
  /** Every notice of the batch, oldest first, the head included; count = notices.length. */
  notices: Notice[];
}
