/** A model's traffic right now, as the Overview lists it. */
export interface LiveRow {
  model: string;
  rps: number;
  /** share of requests that failed; null without requests */
  errorRate: number | null;
  p99Ms: number | null;
}

/** How many models the Overview's live traffic lists: the rest are a click away. */
export const LIVE_TRAFFIC_ROWS = 10;

/**
 * The models on-call should look at first: the highest error rate first, then the slowest p99,
 * then the busiest, then by name (a stable order between refreshes when nothing moves); models
 * without a figure come after those with one. At most `limit`, with how many there were.
 */
export function worstFirst<T extends LiveRow>(
  rows: readonly T[],
  limit = LIVE_TRAFFIC_ROWS,
): { shown: T[]; total: number } {
  const desc = (a: number | null, b: number | null) =>
    a === b ? 0 : a === null ? 1 : b === null ? -1 : b - a;
  const sorted = [...rows].sort(
    (a, b) =>
      desc(a.errorRate, b.errorRate) ||
      desc(a.p99Ms, b.p99Ms) ||
      b.rps - a.rps ||
      (a.model < b.model ? -1 : a.model > b.model ? 1 : 0),
  );
  return { shown: sorted.slice(0, Math.max(0, limit)), total: rows.length };
}
