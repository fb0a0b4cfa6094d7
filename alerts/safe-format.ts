// Formatting that cannot fail. Stored values may predate the ingest checks (a device ts of
// 1e300; a NaN, which JSON stored as null), and one bad value must not take a whole CAP feed,
// review or CSV down with it: a time or number that cannot be shown becomes a placeholder,
// or the caller leaves its element out.

/** 0001-01-01T00:00:00Z: the first time with a four-digit year (year 0000 is no xs:dateTime). */
export const MIN_FORMATTABLE_MS = -62_135_596_800_000;
/** 9999-12-31T23:59:59.999Z: the last time ISO-8601, RFC 3339 and CAP can write without an extended year. */
export const MAX_FORMATTABLE_MS = 253_402_300_799_999;

/** What a formatter prints for a value it cannot show. */
export const PLACEHOLDER = '—';

/** The value as an ms time when it can be formatted (a finite number in years 0001–9999), else undefined. */
export function validTime(v: unknown): number | undefined {
  return typeof v === 'number' && v >= MIN_FORMATTABLE_MS && v <= MAX_FORMATTABLE_MS ? v : undefined;
}

/** The first of the values that is a formattable time, else undefined. */
export function firstValidTime(...values: unknown[]): number | undefined {
  for (const v of values) {
    const t = validTime(v);
    if (t !== undefined) return t;
  }
  return undefined;
}

/** `2026-12-04T10:00:00.000Z`, or the placeholder for a value that is no formattable time. */
export function safeIso(v: unknown, placeholder = PLACEHOLDER): string {
  const t = validTime(v);
  return t === undefined ? placeholder : new Date(t).toISOString();
}

/** The value when it is a finite number, else undefined (NaN, ±Infinity, a stored null). */
export function finiteOrUndefined(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

/** A finite number through `format` (default String), or the placeholder. */
export function safeNumber(v: unknown, format: (n: number) => string = String, placeholder = PLACEHOLDER): string {
  const n = finiteOrUndefined(v);
  return n === undefined ? placeholder : format(n);
}
