// Quiet hours per receiver (e.g. 23:00–07:00 in the service's UTC offset): a message is held
// until they end, except for red cases, which never wait.
import type { QuietHours } from './config.js';

const DAY = 86_400_000;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** When the quiet hours around `now` end, or undefined when `now` is not in them. */
export function quietUntil(now: number, q: QuietHours, utcOffsetMinutes: number): number | undefined {
  const local = now + utcOffsetMinutes * 60_000;
  const dayStart = Math.floor(local / DAY) * DAY;
  const minute = (local - dayStart) / 60_000;
  const from = minutesOf(q.from);
  const to = minutesOf(q.to);
  if (from === to) return undefined;
  const toUtc = (localMs: number) => localMs - utcOffsetMinutes * 60_000;
  if (from < to) return minute >= from && minute < to ? toUtc(dayStart + to * 60_000) : undefined;
  // Past midnight: quiet from `from` to the end of the day, and from midnight to `to`.
  if (minute >= from) return toUtc(dayStart + DAY + to * 60_000);
  if (minute < to) return toUtc(dayStart + to * 60_000);
  return undefined;
}
