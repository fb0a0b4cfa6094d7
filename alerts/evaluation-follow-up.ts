// 回访 in 综合评价: the residents' scores given through follow-up links, kept apart from the
// satisfaction typed in at close. Read from the timeline, so a reopen does not erase an answer.
import type { Case } from './evaluation.js';

/** Residents' follow-up figures of a group of cases. */
export interface FollowUpFigures {
  /** Cases a link was sent for. */
  links: number;
  /** Cases the resident answered. */
  n: number;
  /** Mean score, 0–100; null with no answer. */
  average: number | null;
  /** n / links; null with no link sent. */
  responseRate: number | null;
  target: number;
  /** average ≥ target; null with no answer. */
  met: boolean | null;
}

/** The resident's score of a case: the last `follow_up` answer on its timeline. */
export function residentScore(c: Case): number | undefined {
  for (let i = c.events.length - 1; i >= 0; i--) {
    const e = c.events[i]!;
    if (e.type === 'follow_up' && typeof e.data?.score === 'number') return e.data.score;
  }
  return undefined;
}

/** Links sent, answers, mean score and the target for these cases. */
export function followUpFigures(cases: readonly Case[], target: number): FollowUpFigures {
  const links = cases.filter((c) => c.events.some((e) => e.type === 'follow_up_sent')).length;
  const scores = cases.map(residentScore).filter((s): s is number => s !== undefined);
  const average = scores.length ? scores.reduce((a, b) => a + b, 0) / scores.length : null;
  return {
    links,
    n: scores.length,
    average,
    responseRate: links === 0 ? null : scores.length / links,
    target,
    met: average === null ? null : average >= target,
  };
}
