// The query of GET /api/telemetry?device=&metric=&from=&to=&step= (DESIGN: bad parameters → 400),
// parsed to a SeriesQuery: instants as ms epoch or ISO-8601, the step as ms or a duration.
import { z } from 'zod';
import { DeviceId } from '../ingest/index.js';
import { formatDuration, parseDuration } from '../rules/index.js';
import type { SeriesQuery } from '../store/index.js';
import { issuesOf } from '../model/index.js';

/** The window when `from` is not given: the hour before `to` (by default now). */
export const DEFAULT_SPAN_MS = 3_600_000;
/** The longest window: the aggregation of SQLite runs on the service's thread. */
export const MAX_SPAN_MS = 31 * 86_400_000;
/** Buckets a default step aims at, at most. */
export const TARGET_POINTS = 500;
/** Most buckets per metric an explicit step may ask for. */
export const MAX_POINTS = 5000;
/** Default steps: the smallest of these that keeps a window within TARGET_POINTS. */
const NICE_STEPS = ['1s', '2s', '5s', '10s', '15s', '30s', '1m', '2m', '5m', '10m', '15m', '30m', '1h', '2h', '3h', '6h', '12h', '1d'].map(
  (s) => parseDuration(s)!,
);

/** An instant: ms since the epoch, or ISO-8601 with an offset. */
const Instant = z.string().transform((text, ctx) => {
  const ms = /^\d{1,15}$/.test(text) ? Number(text) : /^\d{4}-\d\d-\d\dT.*(Z|[+-]\d\d:?\d\d)$/.test(text) ? Date.parse(text) : NaN;
  if (Number.isFinite(ms)) return ms;
  ctx.addIssue({ code: 'custom', message: `"${text}": expected ms since the epoch or an ISO-8601 time such as 2026-01-01T00:00:00Z` });
  return z.NEVER;
});

/** A bucket width: whole ms, or a duration "500ms", "30s", "5m", "1h", "1d". */
const Step = z.string().transform((text, ctx) => {
  const ms = /^\d{1,15}$/.test(text) ? Number(text) : parseDuration(text);
  if (ms !== undefined && Number.isInteger(ms) && ms >= 1) return ms;
  ctx.addIssue({
    code: 'custom',
    message:
      ms === undefined
        ? `"${text}": unknown step; expected ms or a duration with unit ms, s, m, h or d (e.g. 30s, 5m)`
        : `"${text}": the step must be a whole number of ms, at least 1`,
  });
  return z.NEVER;
});

/** The smallest default step that keeps `spanMs` within TARGET_POINTS buckets. */
export function defaultStep(spanMs: number): number {
  const wanted = Math.max(1, Math.ceil(spanMs / TARGET_POINTS));
  return NICE_STEPS.find((s) => s >= wanted) ?? Math.ceil(wanted / 86_400_000) * 86_400_000;
}

/** Buckets of width `stepMs` that [from, to] touches (epoch-aligned). */
export const bucketCount = (from: number, to: number, stepMs: number): number => Math.floor(to / stepMs) - Math.floor(from / stepMs) + 1;

/** The query's parameters; unknown ones are refused (`token` is the browsers' way to authenticate). */
const Params = z.strictObject({
  device: z.string({ error: 'required: the device id' }).pipe(DeviceId),
  metric: z.string().min(1).max(64).optional(),
  from: Instant.optional(),
  to: Instant.optional(),
  step: Step.optional(),
  token: z.string().optional(),
});

/** Parse the query string at `now`; refusals name the parameter. */
export function parseTelemetryParams(
  query: URLSearchParams,
  now: number,
): { ok: true; value: SeriesQuery } | { ok: false; issues: Array<{ path: string; message: string }> } {
  const parsed = Params.safeParse(Object.fromEntries(query));
  if (!parsed.success) return { ok: false, issues: queryIssues(parsed.error) };
  const p = parsed.data;
  const to = p.to ?? now;
  const from = p.from ?? to - DEFAULT_SPAN_MS;
  if (from > to) return { ok: false, issues: [{ path: 'from', message: `from (${iso(from)}) is after to (${iso(to)})` }] };
  if (to - from > MAX_SPAN_MS)
    return {
      ok: false,
      issues: [{ path: 'to', message: `the window from..to is ${formatDuration(to - from)}, longer than ${formatDuration(MAX_SPAN_MS)}` }],
    };
  const stepMs = p.step ?? defaultStep(to - from);
  const buckets = bucketCount(from, to, stepMs);
  if (buckets > MAX_POINTS) {
    return {
      ok: false,
      issues: [
        {
          path: 'step',
          message: `a step of ${formatDuration(stepMs)} makes ${buckets} points over this window, more than ${MAX_POINTS}; use at least ${formatDuration(Math.ceil((to - from) / (MAX_POINTS - 2)))}`,
        },
      ],
    };
  }
  return { ok: true, value: { deviceId: p.device, ...(p.metric !== undefined ? { metric: p.metric } : {}), from, to, stepMs } };
}

/** Zod issues of a query string → issues naming the parameter (an unknown one by its name). */
export function queryIssues(error: z.ZodError): Array<{ path: string; message: string }> {
  return issuesOf(error, { root: '(query)', unknownKey: (k) => `unknown parameter ${k}`, unknownKeyPath: 'name' });
}

const iso = (ms: number) => new Date(ms).toISOString();
