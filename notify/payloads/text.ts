// The human-readable text of a notification, shared by the chat robots and e-mail: a title line
// and a few facts. User text (titles, notes) is escaped so it stays text in Markdown.
import type { Batch, Notice } from '../notice.js';

const SEVERITY_LABEL: Record<string, string> = {
  red: '红色 I 特别严重',
  orange: '橙色 II 严重',
  yellow: '黄色 III 较重',
  blue: '蓝色 IV 一般',
};
const EVENT_LABEL: Record<string, string> = {
  opened: '预警 opened',
  acknowledged: '已确认 acknowledged',
  dispatched: '处置 dispatched',
  arrived: '报到 arrived',
  raised: '升级 severity raised',
  overdue: '吹哨报到 overdue',
  escalated: '督办 escalated',
  reminder: '督办提醒 reminder',
  resolved: '反馈 resolved',
  closed: '结案 closed',
  false_alarm: '误报 false alarm',
};

/** Markdown-safe inline text: no HTML, no line breaks, no link or emphasis syntax. */
export const mdText = (v: unknown): string =>
  String(v ?? '')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replace(/([\\`*_[\]#|])/g, '\\$1')
    .replace(/\s*[\r\n]+\s*/g, ' ');

/** The one-line title: event, severity colour, case title. */
export function titleOf(n: Notice, count = 1): string {
  const more = count > 1 ? ` (+${count - 1})` : '';
  return `[${EVENT_LABEL[n.event] ?? n.event}] ${SEVERITY_LABEL[n.incident.severity] ?? n.incident.severity} · ${n.incident.title}${more}`;
}

/** The facts of one notice as `label: value` pairs, plain text. */
export function factsOf(n: Notice): Array<[string, string]> {
  const i = n.incident;
  const rows: Array<[string, string | undefined]> = [
    ['case', i.id],
    ['state', i.state],
    ['category', i.category],
    ['department', i.department],
    ['place', [i.district, i.grid].filter(Boolean).join(' / ') || undefined],
    ['to', n.person ? `${n.person}${n.step ? ` (${n.step})` : ''}` : undefined],
    ['note', n.note],
    ['time', new Date(n.ts).toISOString()],
  ];
  return rows.filter((r): r is [string, string] => r[1] !== undefined && r[1] !== '');
}

/** The body as Markdown (WeCom, DingTalk): title, facts, the other cases of a storm, links. */
export function markdownOf(b: Batch): string {
  const n = b.head;
  const lines = [`### ${mdText(titleOf(n, b.notices.length))}`, ...factsOf(n).map(([k, v]) => `- **${k}**: ${mdText(v)}`)];
  const others = b.notices.filter((x) => x !== n);
  if (others.length > 0) {
    lines.push('', `**${b.notices.length} notifications in this message**:`);
    for (const o of others.slice(-10)) lines.push(`- ${mdText(o.event)} · ${mdText(o.incident.id)} · ${mdText(o.incident.title)}`);
  }
  lines.push('', `[open the case](${n.links.console})`);
  if (n.links.ack) lines.push(`[acknowledge 确认接收](${n.links.ack})`);
  return lines.join('\n');
}

/** The body as plain text (Feishu text, e-mail). */
export function plainOf(b: Batch): string {
  const n = b.head;
  const lines = [titleOf(n, b.notices.length), ...factsOf(n).map(([k, v]) => `${k}: ${v.replace(/[\r\n]+/g, ' ')}`)];
  const others = b.notices.filter((x) => x !== n);
  if (others.length > 0) {
    lines.push('', `${b.notices.length} notifications in this message:`);
    for (const o of others.slice(-10)) lines.push(`- ${o.event} · ${o.incident.id} · ${o.incident.title}`);
  }
  lines.push('', `case: ${n.links.console}`);
  if (n.links.ack) lines.push(`acknowledge 确认接收: ${n.links.ack}`);
  return lines.join('\n');
}
