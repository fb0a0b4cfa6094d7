// Silences (静默): time-bounded matchers over detections, set by operators during known work
// (a pump test, a drill, a sensor being serviced). A silenced detection is still stored and
// counted, but opens no incident and pushes no alert.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { type Silence, SilenceMatchers } from '../model/silence.js';
import type { Detection } from '../model/detection.js';
import { globToRegExp } from '../rules/index.js';
import type { SilenceStore } from '../store/index.js';
import { Duration } from '../model/duration.js';

export { Silence, SilenceMatchers } from '../model/silence.js';

const Instant = z.union([z.number().int().nonnegative(), z.iso.datetime({ offset: true }).transform((s) => Date.parse(s))]);

/** POST /api/silences: `endsAt`, or `duration` counted from `startsAt` (default now). */
export const SilenceInput = z
  .object({
    matchers: SilenceMatchers,
    createdBy: z.string().trim().min(1, 'createdBy must name who silences').max(128),
    comment: z.string().trim().min(1, 'comment must say why').max(2000),
    startsAt: Instant.optional(),
    endsAt: Instant.optional(),
    duration: Duration.optional(),
  })
  .refine((s) => (s.endsAt === undefined) !== (s.duration === undefined), {
    path: ['endsAt'],
    message: 'give exactly one of endsAt or duration',
  });
export type SilenceInput = z.input<typeof SilenceInput>;

export type SilenceState = 'pending' | 'active' | 'expired';

/** pending before startsAt, active in [startsAt, endsAt), expired after. */
export function silenceState(s: Silence, now: number): SilenceState {
  if (now < s.startsAt) return 'pending';
  return now < s.endsAt ? 'active' : 'expired';
}

const fieldOf: Record<keyof SilenceMatchers, (d: Detection) => string | undefined> = {
  device: (d) => d.deviceId,
  grid: (d) => d.grid,
  district: (d) => d.district,
  rule: (d) => d.ruleId,
  category: (d) => d.category,
};

/** The silence as a predicate: active at `now` and every matcher it has matches (globs compiled once). */
export function compileSilence(s: Silence): (d: Detection, now: number) => boolean {
  const tests = (Object.keys(fieldOf) as Array<keyof SilenceMatchers>).flatMap((k) => {
    const pattern = s.matchers[k];
    if (pattern === undefined) return [];
    const glob = globToRegExp(pattern);
    const field = fieldOf[k];
    return [
      (d: Detection) => {
        const value = field(d);
        return value !== undefined && glob.test(value);
      },
    ];
  });
  return (d, now) => silenceState(s, now) === 'active' && tests.every((t) => t(d));
}

export interface SilenceService {
  /** Fails when the silence would end before it starts. */
  create(input: z.infer<typeof SilenceInput>): { ok: true; silence: Silence } | { ok: false; message: string };
  list(state?: SilenceState): Silence[];
  get(id: string): Silence | undefined;
  /** End a silence now (kept for the record); undefined when unknown. */
  expire(id: string, by?: string): Silence | undefined;
  /** The first active silence matching the detection. */
  match(d: Detection): Silence | undefined;
}

/**
 * Silences over a store. Every detection is matched against them, so the ones not yet ended are
 * kept compiled in memory.
 * They are read again when the store changed (here or, through another connection, elsewhere)
 * and once the first of them has ended; a pending one starts by the clock alone.
 */
export function createSilenceService(opts: { store: SilenceStore; clock?: () => number; newId?: () => string }): SilenceService {
  const clock = opts.clock ?? Date.now;
  const newId = opts.newId ?? (() => `SIL-${randomBytes(4).toString('hex').toUpperCase()}`);
  let kept:
    | { version: number; readAgainAt: number; silences: Array<{ silence: Silence; matches: (d: Detection, now: number) => boolean }> }
    | undefined;
  const unended = (now: number) => {
    const version = opts.store.version();
    if (kept === undefined || kept.version !== version || now >= kept.readAgainAt) {
      const silences = opts.store.unendedAt(now);
      kept = {
        version,
        readAgainAt: Math.min(Infinity, ...silences.map((s) => s.endsAt)),
        silences: silences.map((silence) => ({ silence, matches: compileSilence(silence) })),
      };
    }
    return kept.silences;
  };
  return {
    create(input) {
      const now = clock();
      const startsAt = input.startsAt ?? now;
      const silence: Silence = {
        id: newId(),
        matchers: input.matchers,
        createdBy: input.createdBy,
        comment: input.comment,
        startsAt,
        endsAt: input.endsAt ?? startsAt + (input.duration ?? 0),
        createdAt: now,
      };
      if (silence.endsAt <= Math.max(startsAt, now)) return { ok: false, message: 'endsAt must be after startsAt and now' };
      opts.store.put(silence);
      return { ok: true, silence };
    },
    list(state) {
      const now = clock();
      const all = opts.store.list();
      return state ? all.filter((s) => silenceState(s, now) === state) : all;
    },
    get: (id) => opts.store.get(id),
    expire(id, by) {
      const s = opts.store.get(id);
      if (!s) return undefined;
      const now = clock();
      if (s.endsAt <= now) return s;
      const next: Silence = { ...s, endsAt: Math.max(now, s.startsAt), expiredBy: by };
      opts.store.put(next);
      return next;
    },
    match(d) {
      const now = clock();
      return unended(now).find((s) => s.matches(d, now))?.silence;
    },
  };
}
