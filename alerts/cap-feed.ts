// The CAP feed (GET /api/cap) for downstream warning-release systems: an Atom 1.0 feed with one
// entry per incident, its latest CAP message inline as the entry's content (the layout of
// alert-hub style CAP feeds). Receivers key entries by CAP identifier and follow `references`.
import { type CapOptions, capAlertElement, capHistory, xmlText } from './cap.js';
import type { Incident, IncidentEvent } from '../model/incident.js';

export interface FeedCase {
  incident: Incident;
  events: readonly IncidentEvent[];
}

/** The Atom feed of the cases' latest CAP messages, newest first. `self` is the feed's path. */
export function renderCapFeed(cases: readonly FeedCase[], opts: CapOptions & { self: string; now: number }): string {
  const entries = cases
    .map((c) => {
      const history = capHistory(c.incident, c.events, opts);
      const latest = history.at(-1);
      return latest ? { c, latest, earlier: history.slice(0, -1) } : undefined;
    })
    .filter((e) => e !== undefined)
    .sort((a, b) => b.latest.eventId - a.latest.eventId);
  const updated = new Date(Math.max(opts.now - (opts.now % 1000), 0)).toISOString();
  let x = `<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n`;
  x += `  <id>urn:citysense:${xmlText(opts.sender)}:cap</id>\n`;
  x += `  <title>citysense CAP alerts (${xmlText(opts.sender)})</title>\n`;
  x += `  <updated>${updated}</updated>\n`;
  x += `  <author><name>${xmlText(opts.senderName ?? opts.sender)}</name></author>\n`;
  x += `  <link rel="self" type="application/atom+xml" href="${xmlText(opts.self)}"/>\n`;
  for (const { c, latest, earlier } of entries) {
    const alert = capAlertElement(c.incident, latest, earlier, opts);
    x += `  <entry>\n`;
    x += `    <id>urn:citysense:${xmlText(latest.identifier)}</id>\n`;
    x += `    <title>${xmlText(`${latest.msgType}: ${c.incident.title}`)}</title>\n`;
    x += `    <updated>${latest.sent}</updated>\n`;
    x += `    <category term="${xmlText(c.incident.severity)}"/>\n`;
    x += `    <link rel="alternate" type="application/cap+xml" href="/api/incidents/${encodeURIComponent(c.incident.id)}/cap"/>\n`;
    // Not re-indented: that would change the text of multi-line elements.
    x += `    <content type="application/cap+xml">\n${alert}    </content>\n`;
    x += `  </entry>\n`;
  }
  return `${x}</feed>\n`;
}
