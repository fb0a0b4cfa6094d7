// Duration strings of the rule file (DESIGN.md § Rules: "500ms", "30s", "5m"), parsed to ms.
import { z } from 'zod';

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;
const PATTERN = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const HINT = 'expected a duration like "500ms", "30s", "5m", "1h" or "1d"';

/** Parse "500ms" | "30s" | "5m" | "1h" | "1d" to milliseconds, or undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  const m = PATTERN.exec(text.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * UNIT_MS[m[2] as Unit]);
}

/** Render milliseconds back in the largest whole unit ("120000" → "2m"), for messages. */
export function formatDuration(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's'] as const) {
    if (ms >= UNIT_MS[unit] && ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return ms >= 1_000 ? `${ms / 1_000}s` : `${ms}ms`;
}

/** A duration string in the rule file; parses to a non-negative number of ms. */
export const Duration = z.string({ error: (iss) => (iss.input === undefined ? `required: ${HINT}` : HINT) }).transform((text, ctx) => {
  const ms = parseDuration(text);
  if (ms === undefined) {
    ctx.addIssue({ code: 'custom', message: `"${text}": ${HINT}` });
    return z.NEVER;
  }
  return ms;
});
export type Duration = z.infer<typeof Duration>;

/** A duration that must be longer than zero (windows, timeouts, cooldowns). */
export const PositiveDuration = Duration.refine((ms) => ms > 0, 'duration must be longer than 0');
