// What a `citysense alert` node raises: its config and the message it got → a Detection, the
// same value a rule emits, so a flow's alert becomes an incident like any rule's.
import { z } from 'zod';
import { DeviceKind, Location, Reading } from '../model/reading.js';
import { type Detection, Severity } from '../model/detection.js';
import { issuesOf, issuesText } from '../model/index.js';

/** Node-RED's editor stores unset text fields as "": treat them as absent. */
export const blank = (v: unknown) => (v === '' || v === null ? undefined : v);
const text = z.preprocess(blank, z.string().min(1).optional());

/** The alert node's own settings (its edit dialog). */
export const AlertNodeConfig = z.object({
  /** Names the detection's rule `flow:<alertId>`; default the node's id. */
  alertId: z.preprocess(
    blank,
    z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'alertId must match [A-Za-z0-9_.-]+')
      .optional(),
  ),
  name: text,
  severity: z.preprocess(blank, Severity.optional()),
  category: text,
  department: text,
  metric: text,
  /** Dedup per device (default), or per grid for area alerts (DESIGN: rule + grid). */
  dedupBy: z.preprocess(blank, z.enum(['device', 'grid']).default('device')),
});
export type AlertNodeConfig = z.infer<typeof AlertNodeConfig>;

/** `msg.alert`: per-message overrides of the node's settings, and the place when no reading is at hand. */
export const MsgAlert = z.strictObject({
  alertId: AlertNodeConfig.shape.alertId,
  name: text,
  severity: Severity.optional(),
  category: text,
  department: text,
  message: text,
  phase: z.enum(['raise', 'clear']).optional(),
  metric: text,
  value: z.number().finite().optional(),
  eventType: text,
  deviceId: text,
  deviceKind: DeviceKind.optional(),
  district: text,
  grid: text,
  loc: Location.optional(),
});

/** What the node hands over: its id, its settings, and the parts of the message that matter. */
export interface AlertInput {
  nodeId: string;
  config: unknown;
  msg: { alert?: unknown; reading?: unknown; payload?: unknown };
}

/** The detection, or why the alert was refused (naming the field). */
export type AlertResult = { ok: true; detection: Detection } | { ok: false; message: string };

const refusal = (where: string, error: z.ZodError) => issuesText(issuesOf(error), where);

/** Build the Detection for one alert; a bad field is named (`msg.alert.severity: …`). */
export function flowDetection(input: AlertInput, ctx: { id: string; now: number }): AlertResult {
  const cfg = AlertNodeConfig.safeParse(input.config ?? {});
  if (!cfg.success) return { ok: false, message: refusal('config', cfg.error) };
  const over = MsgAlert.safeParse(input.msg.alert ?? {});
  if (!over.success) return { ok: false, message: refusal('msg.alert', over.error) };
  // The reading: msg.reading as `citysense in` sets it, else a reading-shaped payload.
  const fromMsg = Reading.safeParse(input.msg.reading);
  const fromPayload = fromMsg.success ? undefined : Reading.safeParse(input.msg.payload);
  const reading = fromMsg.success ? fromMsg.data : fromPayload?.success ? fromPayload.data : undefined;
  const c = cfg.data;
  const a = over.data;

  const severity = a.severity ?? c.severity;
  const category = a.category ?? c.category;
  const deviceId = a.deviceId ?? reading?.deviceId;
  const deviceKind = a.deviceKind ?? reading?.kind;
  const missing = [
    severity ? undefined : 'severity (node setting or msg.alert.severity)',
    category ? undefined : 'category (node setting or msg.alert.category)',
    deviceId && deviceKind ? undefined : 'a device (msg.reading from citysense in, or msg.alert.deviceId + deviceKind)',
  ].filter(Boolean);
  if (missing.length) return { ok: false, message: `missing ${missing.join(', ')}` };

  const alertId = a.alertId ?? c.alertId ?? input.nodeId;
  const ruleId = `flow:${alertId}`;
  const name = a.name ?? c.name ?? `Node-RED flow ${alertId}`;
  const grid = a.grid ?? reading?.grid;
  const district = a.district ?? reading?.district;
  const loc = a.loc ?? reading?.loc;
  const metric = a.metric ?? c.metric;
  const value = a.value ?? (metric !== undefined ? reading?.metrics[metric] : undefined);
  const eventType = a.eventType ?? reading?.events[0]?.type;
  const department = a.department ?? c.department;
  // DESIGN: the dedup key is rule + device, or rule + grid for area alerts.
  const dedupOn = c.dedupBy === 'grid' && grid !== undefined ? grid : deviceId!;
  const message =
    a.message ?? (metric !== undefined && value !== undefined ? `${name}: ${metric} = ${value} at ${deviceId}` : `${name} at ${deviceId}`);
  const detection: Detection = {
    id: ctx.id,
    ts: ctx.now,
    phase: a.phase ?? 'raise',
    ruleId,
    ruleVersion: 1,
    ruleName: name,
    ruleKind: 'flow',
    severity: severity!,
    category: category!,
    dedupKey: `${ruleId}:${dedupOn}`,
    deviceId: deviceId!,
    deviceKind: deviceKind!,
    ...(district !== undefined ? { district } : {}),
    ...(grid !== undefined ? { grid } : {}),
    ...(loc !== undefined ? { loc } : {}),
    ...(metric !== undefined ? { metric } : {}),
    ...(value !== undefined ? { value } : {}),
    ...(eventType !== undefined ? { eventType } : {}),
    ...(department !== undefined ? { department } : {}),
    message,
    ...(reading !== undefined ? { readingTs: reading.ts } : {}),
  };
  return { ok: true, detection };
}
