// The Alertmanager webhook payload (version "4"), so anything built for Alertmanager's
// webhook_config (bridges to SMS, paging, ticketing) can take citysense cases as they are.
import { createHash } from 'node:crypto';
import type { Batch, Notice } from '../notice.js';
import { type HttpRequest, jsonPost } from './http-request.js';
import { titleOf } from './text.js';

const ENDED = new Set(['resolved', 'closed', 'reviewed', 'false_alarm']);
/** Alertmanager's "no end yet". */
const ZERO_TIME = '0001-01-01T00:00:00Z';

const labelsOf = (n: Notice): Record<string, string> => {
  const i = n.incident;
  const l: Record<string, string> = { alertname: i.category, incident: i.id, severity: i.severity, category: i.category, state: i.state };
  if (i.department) l.department = i.department;
  if (i.district) l.district = i.district;
  if (i.grid) l.grid = i.grid;
  if (i.ruleId) l.rule = i.ruleId;
  return l;
};

const alertOf = (n: Notice) => {
  const ended = ENDED.has(n.incident.state);
  const end = n.incident.resolvedAt ?? n.incident.closedAt ?? n.incident.updatedAt;
  const labels = labelsOf(n);
  return {
    status: ended ? 'resolved' : 'firing',
    labels,
    annotations: {
      summary: titleOf(n),
      description: n.incident.description ?? n.note ?? '',
      event: n.event,
      ...(n.links.ack ? { ack_url: n.links.ack } : {}),
    },
    startsAt: new Date(n.incident.createdAt).toISOString(),
    endsAt: ended ? new Date(end).toISOString() : ZERO_TIME,
    generatorURL: n.links.console,
    fingerprint: createHash('sha256').update(n.incident.id).digest('hex').slice(0, 16),
  };
};

const common = (maps: Array<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(Object.entries(maps[0] ?? {}).filter(([k, v]) => maps.every((m) => m[k] === v)));

/** The Alertmanager webhook body for a batch: one alert per case (its newest notice). */
export function alertmanagerBody(b: Batch, receiver: string, externalURL: string): Record<string, unknown> {
  const newest = new Map<string, Notice>();
  for (const n of b.notices) newest.set(n.incident.id, n);
  const alerts = [...newest.values()].map(alertOf);
  const groupLabels = { receiver };
  return {
    version: '4',
    groupKey: `{}:{receiver="${receiver}"}`,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver,
    groupLabels,
    commonLabels: common(alerts.map((a) => a.labels)),
    commonAnnotations: common(alerts.map((a) => a.annotations)),
    externalURL,
    alerts,
  };
}

/** The POST to an Alertmanager-compatible webhook (with a bearer secret when configured). */
export function alertmanagerRequest(b: Batch, r: { name: string; url: string; secret?: string }, externalURL: string): HttpRequest {
  return jsonPost(r.url, alertmanagerBody(b, r.name, externalURL), r.secret ? { authorization: `Bearer ${r.secret}` } : {});
}
