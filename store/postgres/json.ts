// Values bound for jsonb columns. PostgreSQL refuses U+0000 in jsonb (and text), which SQLite
// stores: a message or metric name holding one would fail its whole statement, or a whole
// telemetry batch. It is stored as U+FFFD, the replacement character, instead.

/** An escaped NUL in JSON text: `\u0000` after an even number of backslashes. */
const ESCAPED_NUL = /(?<!\\)((?:\\\\)*)\\u0000/g;

/** `value` as JSON text PostgreSQL accepts for a jsonb parameter (`$n::jsonb`). */
export function jsonb(value: unknown): string {
  const text = JSON.stringify(value);
  return text.includes('\\u0000') ? text.replace(ESCAPED_NUL, '$1\\ufffd') : text;
}
