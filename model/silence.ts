// A silence (静默): a time-bounded matcher over detections, set by an operator during known work.
import { z } from 'zod';

const Pattern = z.string().trim().min(1).max(128);

/** What a silence matches; each given field must match (AND). `*` and `?` are globs, else exact. */
export const SilenceMatchers = z
  .object({
    device: Pattern.optional(),
    grid: Pattern.optional(),
    district: Pattern.optional(),
    rule: Pattern.optional(),
    category: Pattern.optional(),
  })
  .strict()
  .refine((m) => Object.values(m).some((v) => v !== undefined), {
    message: 'a silence needs at least one of device, grid, district, rule, category',
  });
export type SilenceMatchers = z.infer<typeof SilenceMatchers>;

export const Silence = z.object({
  id: z.string(),
  matchers: SilenceMatchers,
  createdBy: z.string(),
  comment: z.string(),
  startsAt: z.number(),
  endsAt: z.number(),
  createdAt: z.number(),
  /** Who ended it early (DELETE), if anyone. */
  expiredBy: z.string().optional(),
});
export type Silence = z.infer<typeof Silence>;
