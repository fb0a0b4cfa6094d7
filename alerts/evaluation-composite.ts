// 综合评价 by indicator family: a score 0–100 per indicator, per family and overall, for one
// group of cases (a department, district, grid or rule, optionally in one month).
//   indicator = 100 × Σ wₘ·measureₘ / Σ wₘ over its measures that have data, on the cases of its categories
//   family    = Σ wᵢ·indicatorᵢ / Σ wᵢ over its indicators that have a score
//   overall   = Σ w_f·family_f / Σ w_f over the families that have a score
// Nothing to measure gives null, never 0, and drops out of the level above with its weight.
import type { Case } from './evaluation.js';
import { type GroupRates, measuresOf } from './evaluation-measures.js';
import { type EvaluationModel, type Measure, OPERATOR_MEASURES } from './evaluation-model.js';

/** The scores of one group. */
export interface Composite {
  score: number | null;
  families: Record<string, number | null>;
  indicators: Record<string, number | null>;
  /** How many cases each indicator scored (its categories' cases, or all). */
  cases: Record<string, number>;
}

/** Σ w·v / Σ w over the pairs with a value; null when none has one. */
export function weightedMean(pairs: ReadonlyArray<readonly [number | null, number]>): number | null {
  let sum = 0;
  let weights = 0;
  for (const [v, w] of pairs) {
    if (v === null) continue;
    sum += v * w;
    weights += w;
  }
  return weights === 0 ? null : sum / weights;
}

/** How scoreComposite reads rates, and whether the operator's measures count. */
export interface CompositeOptions {
  /** The rates of a set of cases (evaluation.ts computes them). */
  ratesOf: (cases: readonly Case[]) => GroupRates;
  /** Leave the operator's measures out: a department's row is not charged for the command centre's part. */
  withoutOperator?: boolean;
}

/** The composite scores of a group of cases under a model. */
export function scoreComposite(cases: readonly Case[], model: EvaluationModel, opts: CompositeOptions): Composite {
  const out: Composite = { score: null, families: {}, indicators: {}, cases: {} };
  const familyPairs: Array<[number | null, number]> = [];
  for (const [fid, family] of Object.entries(model.families)) {
    const indicatorPairs: Array<[number | null, number]> = [];
    for (const [iid, ind] of Object.entries(family.indicators)) {
      const mine = ind.categories ? cases.filter((c) => ind.categories!.includes(c.incident.category)) : cases;
      const measures = measuresOf(mine, opts.ratesOf(mine));
      const weights = Object.entries(ind.measures ?? model.categoryMeasures) as Array<[Measure, number]>;
      const used = opts.withoutOperator ? weights.filter(([m]) => !OPERATOR_MEASURES.includes(m)) : weights;
      const fraction = weightedMean(used.map(([m, w]) => [measures[m], w] as const));
      const score = fraction === null ? null : 100 * fraction;
      out.indicators[iid] = score;
      out.cases[iid] = mine.length;
      indicatorPairs.push([score, ind.weight]);
    }
    const score = weightedMean(indicatorPairs);
    out.families[fid] = score;
    familyPairs.push([score, family.weight]);
  }
  out.score = weightedMean(familyPairs);
  return out;
}
