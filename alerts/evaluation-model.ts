// The city-management evaluation model (综合评价指标体系): three families of three indicators,
// 安全·韧性·健康 (safe, resilient, healthy), 干净·整洁·有序 (clean, tidy, orderly) and
// 高效·精准·满意 (efficient, precise, satisfying). An indicator scores the cases of its
// categories (all cases when it names none) on weighted measures (alerts/evaluation-measures.ts).
// Config key `evaluation.families` replaces the default below; the README gives the formulas.
import { z } from 'zod';

/** The measures an indicator can weigh, each a fraction 0..1 (null without data). */
export const MEASURES = [
  'closure', // 结案率
  'onTime', // 按期处置率, every deadline
  'onTimeOperator', // the operator's part: the acknowledge deadline, and nothing missed before the dispatch
  'onTimeDepartment', // the department's part: arrive and resolve, from its dispatch on
  'resolveSpeed', // time to resolve against the resolve deadline
  'noFalseAlarm', // 1 − false-alarm rate
  'noRework', // 1 − rework rate
  'satisfaction', // residents' 回访 score / 100
] as const;
/** One of MEASURES. */
export type Measure = (typeof MEASURES)[number];

/** Measures that judge the operator (the command centre), not the department the case went to. */
export const OPERATOR_MEASURES: readonly Measure[] = ['onTimeOperator'];

const Id = z.string().regex(/^[a-z][A-Za-z0-9_]{0,39}$/, 'an id: a lower-case letter, then letters, digits or _');
const Weight = z.number().positive('a weight must be more than 0').max(1000);
const Label = z.strictObject({ zh: z.string().min(1).max(40), en: z.string().min(1).max(60) });
const Weights = z.partialRecord(z.enum(MEASURES), Weight).refine((w) => Object.keys(w).length > 0, 'name at least one measure');

const Indicator = z.strictObject({
  label: Label.optional(),
  weight: Weight.default(1),
  /** The cases it scores; absent: every case of the group. */
  categories: z.array(z.string().min(1).max(64)).min(1).optional(),
  /** Absent: the model's categoryMeasures. */
  measures: Weights.optional(),
});

const Family = z.strictObject({
  label: Label.optional(),
  weight: Weight.default(1),
  indicators: z.record(Id, Indicator).refine((i) => Object.keys(i).length > 0, 'a family needs at least one indicator'),
});

/** The default families: categories of the built-in routing table and the camera event types, and the measures named in the README. */
const DEFAULT_FAMILIES = {
  safety: {
    label: { zh: '安全·韧性·健康', en: 'Safe, resilient, healthy' },
    indicators: {
      safe: { label: { zh: '安全', en: 'Safe' }, categories: ['fire', 'gas', 'public_order'] },
      resilient: { label: { zh: '韧性', en: 'Resilient' }, categories: ['flood', 'device'] },
      healthy: { label: { zh: '健康', en: 'Healthy' }, categories: ['environment', 'health'] },
    },
  },
  order: {
    label: { zh: '干净·整洁·有序', en: 'Clean, tidy, orderly' },
    indicators: {
      clean: { label: { zh: '干净', en: 'Clean' }, categories: ['garbage', 'sanitation'] },
      tidy: { label: { zh: '整洁', en: 'Tidy' }, categories: ['street_vending', 'illegal_ads', 'facade'] },
      orderly: { label: { zh: '有序', en: 'Orderly' }, categories: ['illegal_parking', 'traffic', 'crowd'] },
    },
  },
  service: {
    label: { zh: '高效·精准·满意', en: 'Efficient, precise, satisfying' },
    indicators: {
      efficient: { label: { zh: '高效', en: 'Efficient' }, measures: { onTimeDepartment: 0.4, onTimeOperator: 0.3, resolveSpeed: 0.3 } },
      precise: { label: { zh: '精准', en: 'Precise' }, measures: { noFalseAlarm: 0.5, noRework: 0.5 } },
      satisfying: { label: { zh: '满意', en: 'Satisfying' }, measures: { satisfaction: 1 } },
    },
  },
} satisfies Record<string, z.input<typeof Family>>;

/** The model as configured: families of indicators with weights, and the measures of category indicators. */
export const EvaluationModel = z
  .strictObject({
    families: z
      .record(Id, Family)
      .refine((f) => Object.keys(f).length > 0, 'at least one family')
      .prefault(DEFAULT_FAMILIES),
    categoryMeasures: Weights.default({ closure: 0.4, onTimeDepartment: 0.4, noRework: 0.2 }),
  })
  .superRefine((m, ctx) => {
    // Indicator ids are columns of their own in the answer and the CSV: one meaning each.
    const seen = new Map<string, string>();
    for (const [family, f] of Object.entries(m.families)) {
      for (const id of Object.keys(f.indicators)) {
        if (seen.has(id))
          ctx.addIssue({
            code: 'custom',
            path: ['families', family, 'indicators', id],
            message: `indicator ${id} is already in family ${seen.get(id)}`,
          });
        seen.set(id, family);
      }
    }
  });
/** The model with its defaults filled in. */
export type EvaluationModel = z.infer<typeof EvaluationModel>;

/** The default model, parsed. */
export const DEFAULT_MODEL: EvaluationModel = EvaluationModel.parse({});

/** The model as the answer describes it: families and indicators in order, with labels, weights, categories and measures. */
export function describeModel(m: EvaluationModel) {
  return Object.entries(m.families).map(([id, f]) => ({
    id,
    label: f.label ?? { zh: id, en: id },
    weight: f.weight,
    indicators: Object.entries(f.indicators).map(([iid, i]) => ({
      id: iid,
      label: i.label ?? { zh: iid, en: iid },
      weight: i.weight,
      categories: i.categories ?? null,
      measures: i.measures ?? m.categoryMeasures,
    })),
  }));
}
