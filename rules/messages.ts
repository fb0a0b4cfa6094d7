// Human-readable detection messages, in the language of the rule's name (a rule named
// in Chinese gets Chinese wording, any other name English).
import { formatDuration } from '../model/duration.js';

const CJK = /[\u3400-\u9fff]/;

type Phrase = 'cleared' | 'noDataFor' | 'offline' | 'back' | 'within';
const PHRASES: Record<'zh' | 'en', Record<Phrase, string>> = {
  zh: { cleared: '解除', noDataFor: '无数据', offline: '设备下线', back: '恢复上报', within: '内' },
  en: { cleared: 'cleared', noDataFor: 'no data for', offline: 'status offline', back: 'reporting again', within: 'within' },
};

/** The phrase book that matches the language of a rule name. */
export function phrases(ruleName: string): Record<Phrase, string> {
  return CJK.test(ruleName) ? PHRASES.zh : PHRASES.en;
}

/** A number as it reads well in a message (no float noise like 0.30000000000000004). */
export function num(v: number): string {
  return String(Number(v.toPrecision(6)));
}

/** `积水超限: waterLevel 0.62 > 0.5 (sensor-001)` */
export function raiseMessage(ruleName: string, detail: string, deviceId: string): string {
  return `${ruleName}: ${detail} (${deviceId})`;
}

/** `积水超限 解除: waterLevel 0.2 < 0.25 (sensor-001)` */
export function clearMessage(ruleName: string, detail: string, deviceId: string): string {
  return `${ruleName} ${phrases(ruleName).cleared}: ${detail} (${deviceId})`;
}

/** `2m 无数据` / `no data for 2m` */
export function silenceDetail(ruleName: string, ms: number): string {
  const p = phrases(ruleName);
  return p === PHRASES.zh ? `${formatDuration(ms)} ${p.noDataFor}` : `${p.noDataFor} ${formatDuration(ms)}`;
}

/** `flooding ×2 within 1m` / `flooding 1m内 ×2` */
export function countDetail(ruleName: string, event: string, count: number, windowMs: number): string {
  const p = phrases(ruleName);
  return p === PHRASES.zh
    ? `${event} ${formatDuration(windowMs)}${p.within} ×${count}`
    : `${event} ×${count} ${p.within} ${formatDuration(windowMs)}`;
}
