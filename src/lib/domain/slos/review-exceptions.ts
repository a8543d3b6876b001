/** What a review's per-team table needs to know of an SLO to rank it. */
export interface RankedSlo {
  slo: string;
  /** null: no data in the period */
  met: boolean | null;
  /** share of the period's budget spent; null without data */
  consumed: number | null;
}

/** How many of a team's SLOs its table in the review lists, unless every one is asked for. */
export const REVIEW_ROWS_PER_TEAM = 10;

/**
 * The SLOs a team's table lists in the review: all of them when they fit, else its exceptions
 * first, as a leadership review reads (and as the summary's worst offenders do): those that missed
 * (most budget spent first), those without data, then those that spent the most of their budget,
 * by name at equal spend. `rows` stays in its own order when it fits.
 */
export function reviewRowsShown<T extends RankedSlo>(
  rows: readonly T[],
  limit = REVIEW_ROWS_PER_TEAM,
): { shown: readonly T[]; hidden: number } {
  if (rows.length <= limit) return { shown: rows, hidden: 0 };
  const rank = (r: RankedSlo) => (r.met === false ? 0 : r.met === null ? 1 : 2);
  const shown = [...rows]
    .sort(
      (a, b) =>
        rank(a) - rank(b) ||
        (b.consumed ?? -1) - (a.consumed ?? -1) ||
        (a.slo < b.slo ? -1 : a.slo > b.slo ? 1 : 0),
    )
    .slice(0, Math.max(0, limit));
  return { shown, hidden: rows.length - shown.length };
}
