// A raise muted by a silence or an inhibiting incident, kept until its rule clears the key.
import { z } from 'zod';
import { Detection } from './detection.js';

/** What muted a raise: a silence, or an open red/orange incident of the same category and grid. */
export const MuteCause = z.discriminatedUnion('reason', [
  z.object({ reason: z.literal('silence'), silenceId: z.string() }),
  z.object({ reason: z.literal('inhibition'), incidentId: z.string() }),
]);
export type MuteCause = z.infer<typeof MuteCause>;

/** One stretch of muting by one cause; `to` is set once another cause took over. */
export const MuteSpan = z.object({ cause: MuteCause, from: z.number(), to: z.number().optional() });
export type MuteSpan = z.infer<typeof MuteSpan>;

/** A key whose rule raised while muted and has not cleared since: its latest raise and its mute history. */
export const MutedKey = z.object({ key: z.string(), detection: Detection, spans: z.array(MuteSpan).min(1) });
export type MutedKey = z.infer<typeof MutedKey>;
