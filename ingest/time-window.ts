// The window a device timestamp must fall in (docs/architecture.md § MQTT topics and payloads): a `ts` outside it is refused
// at ingest, so no later stage (rules, CAP, reviews, InfluxDB, the console) ever meets one.

/** The earliest device time accepted: 2000-01-01T00:00:00Z (older clocks are unset clocks). */
export const EARLIEST_DEVICE_TS = Date.UTC(2000, 0, 1);

/** How far ahead of the broker's receive time a device clock may run, by default: 24 h. */
export const DEFAULT_MAX_FUTURE_MS = 24 * 3_600_000;

/**
 * Why `ts` is outside [2000-01-01, receivedAt + maxFutureMs], or undefined when it is inside
 * (both limits included). Pure: the caller passes the receive time.
 */
export function timestampProblem(ts: number, receivedAt: number, maxFutureMs = DEFAULT_MAX_FUTURE_MS): string | undefined {
  const latest = receivedAt + maxFutureMs;
  if (Number.isNaN(ts) || ts < EARLIEST_DEVICE_TS || ts > latest) {
    const hours = Math.round((maxFutureMs / 3_600_000) * 1000) / 1000;
    return `ts must be between 2000-01-01T00:00:00Z and ${hours} h after the broker received the message (${isoOf(latest)})`;
  }
  return undefined;
}

// Only a broken broker clock puts the receive time outside a Date; the message must still be built.
const isoOf = (ms: number) => (Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 ? new Date(ms).toISOString() : String(ms));
