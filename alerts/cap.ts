// An incident as an OASIS CAP 1.2 message (DESIGN.md § Severity: red → Extreme …). The message
// history is derived from the incident's event log, so it needs no storage of its own and is
// the same on every call and every process: `opened` is the Alert, each later state change or
// severity raise an Update, a false alarm the Cancel, each referencing the messages before it.
import type { Severity } from '../model/detection.js';
import type { Incident, IncidentEvent, IncidentEventType } from '../model/incident.js';
import { finiteOrUndefined, firstValidTime, validTime } from './safe-format.js';

export type CapMsgType = 'Alert' | 'Update' | 'Cancel';

export interface CapOptions {
  /** CAP `sender`: unique to this service, e.g. its domain. */
  sender: string;
  status?: 'Actual' | 'Exercise' | 'System' | 'Test' | 'Draft';
  /** Offset of `sent` and `onset` from UTC in minutes (480 for China Standard Time). */
  utcOffsetMinutes?: number;
  language?: string;
  senderName?: string;
  /** Radius of the circle around the incident's location (CAP circles are in km). */
  radiusKm?: number;
  /** The polygon of the incident's grid cell, when the city drew its cells. */
  polygonOf?: (incident: Incident) => ReadonlyArray<{ lat: number; lon: number }> | undefined;
}

/** One message of an incident's CAP history. */
export interface CapMessageRef {
  identifier: string;
  sent: string;
  msgType: CapMsgType;
  eventId: number;
}

const MESSAGE_OF: Partial<Record<IncidentEventType, CapMsgType>> = {
  opened: 'Alert',
  escalated: 'Update', // severity raised
  acknowledged: 'Update',
  dispatched: 'Update',
  resolved: 'Update',
  closed: 'Update',
  reopened: 'Update',
  reviewed: 'Update',
  false_alarm: 'Cancel',
};

/** Our categories → CAP categories (CAP 1.2 § 3.2.2 category). */
export const CAP_CATEGORY: Record<string, string[]> = {
  flood: ['Met'],
  fire: ['Fire'],
  gas: ['Safety', 'Env'],
  public_order: ['Security'],
  traffic: ['Transport'],
  device: ['Infra'],
  environment: ['Env'],
  health: ['Health'],
  rescue: ['Rescue'],
  geo: ['Geo'],
};

const EVENT_NAME: Record<string, string> = {
  flood: '城市积水 Urban flooding',
  fire: '火情 Fire',
  gas: '燃气泄漏 Gas leak',
  public_order: '公共秩序 Public order',
  traffic: '交通 Traffic',
  device: '设备故障 Device fault',
};

const INSTRUCTION: Record<string, string> = {
  flood: '请绕行积水路段，勿涉水行车。Avoid the flooded roads; do not drive through standing water.',
  fire: '请远离火场，听从现场指挥。Keep away from the fire and follow the responders.',
  gas: '请勿使用明火和电器开关，开窗通风并撤离。No open flames or switches; ventilate and leave.',
  public_order: '请避开该区域，听从现场民警指挥。Avoid the area and follow police instructions.',
  traffic: '请绕行。Use another route.',
};

/** DESIGN.md § Severity: the four colours in CAP. */
export const CAP_SEVERITY: Record<Severity, 'Extreme' | 'Severe' | 'Moderate' | 'Minor'> = {
  red: 'Extreme',
  orange: 'Severe',
  yellow: 'Moderate',
  blue: 'Minor',
};
const COLOUR_LABEL: Record<Severity, string> = { red: '红色预警', orange: '橙色预警', yellow: '黄色预警', blue: '蓝色预警' };
const CLOSED_STATES = ['resolved', 'closed', 'reviewed'];
const EPOCH_SENT = '1970-01-01T00:00:00+00:00';

/**
 * `2026-11-28T08:00:00+08:00`: the schema's pattern wants a numeric offset, never `Z`.
 * Undefined for a time no CAP dateTime can carry (a stored NaN or 1e300).
 */
export function capTime(ms: number | undefined, offsetMinutes = 0): string | undefined {
  const shifted = validTime(ms === undefined ? undefined : Math.floor(ms / 1000) * 1000 + offsetMinutes * 60_000);
  if (shifted === undefined) return undefined;
  const local = new Date(shifted).toISOString().slice(0, 19);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The incident's CAP messages, oldest first, from its event log. */
export function capHistory(incident: Incident, events: readonly IncidentEvent[], opts: CapOptions): CapMessageRef[] {
  const out: CapMessageRef[] = [];
  for (const ev of events) {
    const msgType = MESSAGE_OF[ev.type];
    if (!msgType) continue;
    // `sent` is required: an event time no dateTime can carry falls back to the incident's
    // opening, then to the epoch, so the message (and every reference to it) stays stable.
    const sent = capTime(ev.ts, opts.utcOffsetMinutes) ?? capTime(incident.createdAt, opts.utcOffsetMinutes) ?? EPOCH_SENT;
    // Identifiers may not hold spaces, commas, `<` or `&` (CAP 1.2 § 3.2.1).
    out.push({ identifier: `citysense-${incident.id}-${ev.id}`, sent, msgType, eventId: ev.id });
  }
  return out;
}

const INVALID_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
/** Text for an XML element: escaped, and without characters XML 1.0 cannot carry. */
export const xmlText = (s: string): string =>
  s.replace(INVALID_XML, '').replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;').replaceAll('"', '&quot;');

const el = (name: string, value: string | number | undefined, indent: string): string =>
  value === undefined || value === '' ? '' : `${indent}<${name}>${xmlText(String(value))}</${name}>\n`;

const coord = (n: number) => String(Math.round(n * 1e6) / 1e6);

/** The `<area>` block: areaDesc, then a polygon (closed ring) or a circle `lat,lon radius_km`. */
function areaXml(incident: Incident, opts: CapOptions, i: string): string {
  const desc = [incident.district && `district ${incident.district}`, incident.grid && `grid ${incident.grid}`].filter(Boolean).join(', ');
  let body = el('areaDesc', desc || incident.title, `${i}  `);
  const ring = opts.polygonOf?.(incident);
  if (ring && ring.length >= 3) {
    const pts = [...ring];
    const first = pts[0]!;
    const last = pts.at(-1)!;
    if (first.lat !== last.lat || first.lon !== last.lon) pts.push(first);
    body += el('polygon', pts.map((p) => `${coord(p.lat)},${coord(p.lon)}`).join(' '), `${i}  `);
  }
  const lat = finiteOrUndefined(incident.loc?.lat);
  const lon = finiteOrUndefined(incident.loc?.lon);
  if (lat !== undefined && lon !== undefined) body += el('circle', `${coord(lat)},${coord(lon)} ${opts.radiusKm ?? 0.5}`, `${i}  `);
  return `${i}<area>\n${body}${i}</area>\n`;
}

function infoXml(incident: Incident, msgType: CapMsgType, opts: CapOptions): string {
  const i = '    ';
  const closed = CLOSED_STATES.includes(incident.state);
  const urgency =
    msgType === 'Cancel' || closed ? 'Past' : incident.severity === 'red' || incident.severity === 'orange' ? 'Immediate' : 'Expected';
  // A rule saw it, or an operator confirmed a report: Observed; an unconfirmed report: Likely.
  const certainty = msgType === 'Cancel' ? 'Unlikely' : incident.source === 'rule' || incident.state !== 'warning' ? 'Observed' : 'Likely';
  const responseType = msgType === 'Cancel' ? 'None' : closed ? 'AllClear' : incident.category in INSTRUCTION ? 'Avoid' : 'Monitor';
  const instruction =
    msgType === 'Cancel'
      ? '误报，预警解除。This warning is cancelled: it was a false alarm.'
      : closed
        ? '险情已处置。The situation has been dealt with.'
        : (INSTRUCTION[incident.category] ?? '请留意官方通告。Follow official announcements.');
  const description = [incident.description, `state: ${incident.state}`, incident.department && `department: ${incident.department}`]
    .filter(Boolean)
    .join('; ');
  const parameters = { state: incident.state, colour: incident.severity, department: incident.department, source: incident.source };
  let x = `  <info>\n`;
  x += el('language', opts.language ?? 'zh-CN', i);
  for (const c of CAP_CATEGORY[incident.category] ?? ['Other']) x += el('category', c, i);
  x += el('event', EVENT_NAME[incident.category] ?? incident.category, i);
  x += el('responseType', responseType, i);
  x += el('urgency', urgency, i);
  x += el('severity', CAP_SEVERITY[incident.severity], i);
  x += el('certainty', certainty, i);
  // Optional in CAP: left out when neither time can be written.
  x += el('onset', capTime(firstValidTime(incident.firstDetectionTs, incident.createdAt), opts.utcOffsetMinutes), i);
  x += el('senderName', opts.senderName, i);
  x += el('headline', `${COLOUR_LABEL[incident.severity]} ${incident.title}`.slice(0, 160), i);
  x += el('description', description, i);
  x += el('instruction', instruction, i);
  for (const [k, v] of Object.entries(parameters)) {
    if (v !== undefined)
      x += `${i}<parameter>\n${el('valueName', `citysense:${k}`, `${i}  `)}${el('value', v, `${i}  `)}${i}</parameter>\n`;
  }
  x += areaXml(incident, opts, i);
  return `${x}  </info>\n`;
}

/** The `<alert>` element of one history message (without the XML declaration, for feeds). */
export function capAlertElement(incident: Incident, message: CapMessageRef, earlier: readonly CapMessageRef[], opts: CapOptions): string {
  const references = earlier.map((m) => `${opts.sender},${m.identifier},${m.sent}`).join(' ');
  let x = `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">\n`;
  x += el('identifier', message.identifier, '  ');
  x += el('sender', opts.sender, '  ');
  x += el('sent', message.sent, '  ');
  x += el('status', opts.status ?? 'Actual', '  ');
  x += el('msgType', message.msgType, '  ');
  x += el('source', incident.source === 'rule' ? `rule ${incident.ruleId ?? ''}`.trim() : incident.source, '  ');
  x += el('scope', 'Public', '  ');
  x += el('references', references, '  ');
  x += el('incidents', incident.id, '  ');
  return `${x}${infoXml(incident, message.msgType, opts)}</alert>\n`;
}

/** The incident's latest CAP message as a document, or undefined when it has none yet. */
export function renderCap(incident: Incident, events: readonly IncidentEvent[], opts: CapOptions): string | undefined {
  const history = capHistory(incident, events, opts);
  const latest = history.at(-1);
  if (!latest) return undefined;
  return `<?xml version="1.0" encoding="UTF-8"?>\n${capAlertElement(incident, latest, history.slice(0, -1), opts)}`;
}
