/**
 * A latency SLI read from a Prometheus histogram counts a request as good when it falls in the
 * bucket whose upper bound `le` is the threshold. Only a bucket boundary can be a threshold: any
 * other value selects no series at all, so the SLI would read nothing (or, summed naively,
 * count every request as bad).
 */

/** 12 significant digits: 0.3 stays 0.3 whatever arithmetic produced it. */
const clean = (x: number) => Number(x.toPrecision(12));

/** The boundary (in seconds) that a threshold in milliseconds is, within float tolerance. */
export function matchingBoundary(
  thresholdMs: number,
  boundariesSeconds: readonly number[],
): number | undefined {
  const seconds = thresholdMs / 1000;
  return boundariesSeconds.find((b) => Math.abs(b - seconds) < 1e-9 * Math.max(1, b));
}

/** The boundaries as thresholds are written: milliseconds, ascending, without duplicates. */
export function boundariesMs(boundariesSeconds: readonly number[]): number[] {
  return [...new Set(boundariesSeconds.map((b) => clean(b * 1000)))].sort((a, b) => a - b);
}

/**
 * Why a latency threshold cannot be counted from the histogram `metric`, or null when it is one
 * of its boundaries. The message lists the boundaries, so the fix is in the refusal.
 */
export function latencyThresholdProblem(
  thresholdMs: number,
  boundariesSeconds: readonly number[],
  metric: string,
): string | null {
  if (matchingBoundary(thresholdMs, boundariesSeconds) !== undefined) return null;
  return `a latency threshold must be a bucket boundary of ${metric}, and ${clean(thresholdMs)} ms is not; the boundaries are ${boundariesMs(boundariesSeconds).join(", ")} ms.`;
}
