// An e-mail for nodemailer: subject = the title line, a plain-text body (no HTML to escape).
import type { Batch } from '../notice.js';
import { plainOf, titleOf } from './text.js';

/** A message as nodemailer's sendMail takes it. */
export interface Mail {
  from: string;
  to: string[];
  subject: string;
  text: string;
  headers: Record<string, string>;
}

/** The mail for a batch; `to` is the person's address when one is told, else the receiver's list. */
export function emailMessage(b: Batch, r: { from: string; to: string[] }, deliveryId: string, personEmail?: string): Mail {
  return {
    from: r.from,
    to: personEmail ? [personEmail] : r.to,
    subject: titleOf(b.head, b.notices.length).replace(/[\r\n]+/g, ' '),
    text: plainOf(b),
    headers: { 'X-Citysense-Delivery': deliveryId, 'X-Citysense-Incident': b.head.incident.id },
  };
}
