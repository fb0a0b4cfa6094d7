// The messages of DESIGN.md § WebSocket /ws, both ways. The server's are one discriminated union;
// `LogMessage` is what the durable log keeps (an alert or an incident change) before it gets its seq.
import { z } from 'zod';
import { Detection, Severity } from './detection.js';
import { Incident, IncidentEvent } from './incident.js';
import { Issue } from './rejection.js';

const oneOrMany = <T extends z.ZodType>(t: T) => z.union([t, z.array(t).min(1)]);

/** What a subscription lets through; each given facet must match. */
export const Filter = z.strictObject({
  severity: oneOrMany(Severity).optional(),
  category: oneOrMany(z.string().min(1)).optional(),
  grid: oneOrMany(z.string().min(1)).optional(),
  district: oneOrMany(z.string().min(1)).optional(),
});
export type Filter = z.infer<typeof Filter>;

/** Client → server. */
export const ClientMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('subscribe'), filter: Filter.default({}) }),
  z.object({ type: z.literal('resume'), since: z.number().int().nonnegative() }),
  z.object({ type: z.literal('ack'), incidentId: z.string().min(1), by: z.string().trim().min(1).max(128) }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;

/** A detection pushed to operators. */
export const AlertMessage = z.object({ type: z.literal('alert'), alert: Detection });
export type AlertMessage = z.infer<typeof AlertMessage>;

/** An incident's state change, with the event that caused it. */
export const IncidentMessage = z.object({ type: z.literal('incident'), incident: Incident, event: IncidentEvent });
export type IncidentMessage = z.infer<typeof IncidentMessage>;

/** What the durable log keeps and replays on resume. */
export const LogMessage = z.discriminatedUnion('type', [AlertMessage, IncidentMessage]);
export type LogMessage = z.infer<typeof LogMessage>;

const WsError = z.object({ code: z.string(), message: z.string(), issues: z.array(Issue).optional() });

/** Server → client: the logged messages with their seq, and the replies to a client's own messages. */
export const ServerMessage = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), seq: z.number() }),
  AlertMessage.extend({ seq: z.number() }),
  IncidentMessage.extend({ seq: z.number() }),
  z.object({ type: z.literal('subscribed'), filter: Filter }),
  z.object({
    type: z.literal('ack'),
    ok: z.boolean(),
    incidentId: z.string(),
    error: WsError.pick({ code: true, message: true }).optional(),
  }),
  z.object({ type: z.literal('error'), error: WsError }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;
