// Duty rosters (值班表): who of a department is on duty at a time. Shifts are weekday and time
// ranges in the service's UTC offset; a shift past midnight belongs to the day it starts.
import type { Person, Roster, Shift } from './config.js';

const DAY = 86_400_000;
const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** Whether `shift` covers `now`. */
export function inShift(shift: Shift, now: number, utcOffsetMinutes: number): boolean {
  const local = now + utcOffsetMinutes * 60_000;
  const minute = Math.floor((((local % DAY) + DAY) % DAY) / 60_000);
  const today = WEEKDAYS[new Date(local).getUTCDay()]!;
  const yesterday = WEEKDAYS[new Date(local - DAY).getUTCDay()]!;
  const from = minutesOf(shift.from);
  const to = minutesOf(shift.to);
  if (from < to) return shift.days.includes(today) && minute >= from && minute < to;
  // Past midnight (or round the clock when from = to): today's evening part, or yesterday's night part.
  return (shift.days.includes(today) && minute >= from) || (shift.days.includes(yesterday) && minute < to);
}

/** The on-duty person at `now`: the first shift that covers it; with none, the deputy stands in. */
export function onDuty(roster: Roster, now: number, utcOffsetMinutes: number): { person: Person; shift?: Shift } {
  const shift = roster.shifts.find((s) => inShift(s, now, utcOffsetMinutes));
  const name = shift?.person ?? roster.deputy;
  return { person: personOf(roster, name)!, shift };
}

/** A person of the roster by name. */
export const personOf = (roster: Roster, name: string): Person | undefined => roster.people.find((p) => p.name === name);
