// The settings a suggestion may change, per rule kind (docs/reviews.md): the bounds of
// threshold, rate and window rules (every `above` up and `below` down by the same amount, so
// the levels keep their order), their `for`; an event rule's `count` (within its window); an
// absence rule's `after`. Each works on the rule as written (durations as strings).
import { formatDuration, parseDuration } from '../rules/index.js';

/** One setting: its current value, the range to search, the grid a suggestion is rounded to, and how to set it. */
export interface Knob {
  path: string;
  from: number;
  /** Values above this need not be tried. */
  max: number;
  /** Suggested values are multiples of this. */
  step: number;
  /** Show a value as the rule file writes it. */
  show(v: number): string | number;
  /** The written rule with the setting at `v`. */
  set(written: Record<string, unknown>, v: number): Record<string, unknown>;
}

type Written = Record<string, unknown> & { levels?: Array<Record<string, unknown>>; above?: number; below?: number };

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;
const ms = (v: unknown) => (typeof v === 'string' ? (parseDuration(v) ?? 0) : 0);
/** 0.5 → 0.001, 60 → 0.1: three significant digits of the current value. */
const gridOf = (v: number) => 10 ** (Math.floor(Math.log10(Math.max(Math.abs(v), 1e-6))) - 2);
const round = (v: number, step: number) => Number((Math.round(v / step) * step).toFixed(Math.max(0, -Math.floor(Math.log10(step)))));

/** The bound that raises first: the lowest `above`, or the highest `below`. */
function firstBound(r: Written): { side: 'above' | 'below'; value: number } | undefined {
  const bounds = [r, ...(r.levels ?? [])];
  const above = bounds.flatMap((b) => (typeof b.above === 'number' ? [b.above] : []));
  if (above.length) return { side: 'above', value: Math.min(...above) };
  const below = bounds.flatMap((b) => (typeof b.below === 'number' ? [b.below] : []));
  return below.length ? { side: 'below', value: Math.max(...below) } : undefined;
}

/** Move every bound on `side` by the amount that brings the first one to `v` (exactly `v`, for no float drift). */
function shiftBounds(r: Written, side: 'above' | 'below', first: number, v: number): Written {
  const out = clone(r);
  const by = v - first;
  for (const b of [out, ...(out.levels ?? [])]) {
    const x = b[side];
    if (typeof x === 'number') b[side] = x === first ? v : round(x + by, gridOf(x) / 10);
  }
  return out;
}

/** The knobs a rule of this kind has; `spanMs`, the evidence window, bounds the durations. */
export function knobsOf(written: Written, spanMs: number): Knob[] {
  const durationKnob = (path: string, from: number, min = 0): Knob => ({
    path,
    from,
    max: Math.max(spanMs, from) + 1000,
    step: 1000,
    show: (v) => formatDuration(v),
    set: (w, v) => ({ ...clone(w), [path]: formatDuration(Math.max(min, v)) }),
  });
  switch (written.kind) {
    case 'threshold':
    case 'rate':
    case 'window': {
      const knobs: Knob[] = [];
      const first = firstBound(written);
      if (first) {
        const step = gridOf(first.value);
        const room = Math.max(Math.abs(first.value), 1) * 1000;
        knobs.push({
          path: first.side === 'above' ? (written.levels ? 'levels[*].above' : 'above') : written.levels ? 'levels[*].below' : 'below',
          from: first.value,
          // `below` bounds move down: the search runs on the distance moved.
          max: room,
          step,
          show: (v) => (first.side === 'above' ? round(v, step) : round(2 * first.value - v, step)),
          set: (w, v) =>
            shiftBounds(w as Written, first.side, first.value, first.side === 'above' ? round(v, step) : round(2 * first.value - v, step)),
        });
      }
      knobs.push(durationKnob('for', ms(written.for)));
      return knobs;
    }
    case 'event': {
      const count = typeof written.count === 'number' ? written.count : 1;
      // No count yet: the suggestion adds one, within the cooldown (else a minute).
      const window = typeof written.window === 'string' ? written.window : typeof written.cooldown === 'string' ? written.cooldown : '1m';
      return [{ path: 'count', from: count, max: 1000, step: 1, show: (v) => v, set: (w, v) => ({ ...clone(w), count: v, window }) }];
    }
    case 'absence':
      return [durationKnob('after', ms(written.after), 1000)];
    default:
      return [];
  }
}
