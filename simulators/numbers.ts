// Small numeric helpers shared by the payload builders.

/** x limited to [min, max]. */
export function clamp(x: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, x));
}

/** x rounded to a number of decimal digits (keeps payloads short and readable). */
export function round(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** 0 before `from`, 1 after `from + over`, linear in between. */
export function ramp(t: number, from: number, over: number): number {
  return over <= 0 ? (t >= from ? 1 : 0) : clamp((t - from) / over, 0, 1);
}
