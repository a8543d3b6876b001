import type { AnalysisThresholds } from "./plan";

/** What one side (canary or baseline) measured over an analysis interval. */
export interface MetricSample {
  requests: number;
  /** share of requests that failed, 0..1; null without traffic */
  errorRate: number | null;
  latencyP50Ms: number | null;
  latencyP99Ms: number | null;
  driftPsi: number | null;
  accuracy: number | null;
}

export type MetricVerdict = "pass" | "fail" | "no_data";
export type IntervalVerdict = "pass" | "marginal" | "fail" | "inconclusive";

export interface MetricResult {
  metric: "error_rate" | "latency_p50" | "latency_p99" | "prediction_drift_psi" | "online_accuracy";
  canary: number | null;
  baseline: number | null;
  /** the value the canary had to stay within */
  limit: number | null;
  verdict: MetricVerdict;
  /** in plain words, for the rollout page */
  reason: string;
}

export interface IntervalResult {
  verdict: IntervalVerdict;
  /** Kayenta-style: percent of judged metrics that passed */
  score: number | null;
  metrics: MetricResult[];
  reason: string;
}

const pct = (v: number) => `${(v * 100).toFixed(2)}%`;
/** Limits are sums and products of floats: a value at the limit must not fail by rounding. */
const EPSILON = 1e-9;
const ms = (v: number) => `${v.toFixed(0)} ms`;

/** Scores at or above this pass; at or above MARGINAL are marginal; below fail. */
export const PASS_SCORE = 100;
export const MARGINAL_SCORE = 75;

/**
 * Judges one interval of canary against baseline. Too little canary traffic is inconclusive,
 * never a pass. Each metric passes or fails against its threshold; the score is the share that
 * passed. Errors are critical: an error-rate failure fails the interval whatever the score.
 */
export function judgeInterval(
  canary: MetricSample,
  baseline: MetricSample,
  t: AnalysisThresholds,
): IntervalResult {
  if (!Number.isFinite(canary.requests) || canary.requests < t.minRequests) {
    return {
      verdict: "inconclusive",
      score: null,
      metrics: [],
      reason: `Only ${Math.floor(canary.requests)} canary requests (at least ${t.minRequests} needed to judge).`,
    };
  }
  const metrics: MetricResult[] = [];
  const check = (
    metric: MetricResult["metric"],
    c: number | null,
    b: number | null,
    limitOf: (b: number) => number,
    worse: (c: number, limit: number) => boolean,
    describe: (c: number, limit: number) => string,
  ) => {
    if (c === null || b === null || !Number.isFinite(c) || !Number.isFinite(b)) {
      metrics.push({
        metric,
        canary: c,
        baseline: b,
        limit: null,
        verdict: "no_data",
        reason: "No data.",
      });
      return;
    }
    const limit = limitOf(b);
    const failed = worse(c, limit);
    metrics.push({
      metric,
      canary: c,
      baseline: b,
      limit,
      verdict: failed ? "fail" : "pass",
      reason: describe(c, limit),
    });
  };
  check(
    "error_rate",
    canary.errorRate,
    baseline.errorRate,
    (b) => b + t.maxErrorRateIncrease,
    (c, l) => c > l + EPSILON,
    (c, l) => `Canary errors ${pct(c)}, limit ${pct(l)}.`,
  );
  check(
    "latency_p50",
    canary.latencyP50Ms,
    baseline.latencyP50Ms,
    (b) => b * t.maxLatencyRatio,
    (c, l) => c > l * (1 + EPSILON),
    (c, l) => `Canary p50 ${ms(c)}, limit ${ms(l)}.`,
  );
  check(
    "latency_p99",
    canary.latencyP99Ms,
    baseline.latencyP99Ms,
    (b) => b * t.maxLatencyRatio,
    (c, l) => c > l * (1 + EPSILON),
    (c, l) => `Canary p99 ${ms(c)}, limit ${ms(l)}.`,
  );
  check(
    "prediction_drift_psi",
    canary.driftPsi,
    baseline.driftPsi,
    () => t.maxDriftPsi,
    (c, l) => c > l + EPSILON,
    (c, l) => `Prediction drift PSI ${c.toFixed(3)}, limit ${l.toFixed(3)}.`,
  );
  check(
    "online_accuracy",
    canary.accuracy,
    baseline.accuracy,
    (b) => b - t.maxAccuracyDrop,
    (c, l) => c < l - EPSILON,
    (c, l) => `Online accuracy ${pct(c)}, floor ${pct(l)}.`,
  );
  const judged = metrics.filter((m) => m.verdict !== "no_data");
  if (judged.length === 0) {
    return { verdict: "inconclusive", score: null, metrics, reason: "No metric had data." };
  }
  const passed = judged.filter((m) => m.verdict === "pass").length;
  const score = Math.round((passed / judged.length) * 100);
  const failures = judged.filter((m) => m.verdict === "fail");
  const critical = failures.some((m) => m.metric === "error_rate");
  const verdict: IntervalVerdict =
    critical || score < MARGINAL_SCORE ? "fail" : score < PASS_SCORE ? "marginal" : "pass";
  return {
    verdict,
    score,
    metrics,
    reason:
      failures.length === 0
        ? `All ${judged.length} metrics within their limits.`
        : failures.map((m) => m.reason).join(" "),
  };
}

export type AnalysisOutcome = "running" | "passed" | "failed" | "inconclusive";

/**
 * The verdict of an analysis step from its intervals so far. Marginal intervals count as
 * failures. It fails as soon as failures exceed the limit or run consecutively too long, and
 * passes when its time is up with at least one judged interval; with none it is inconclusive
 * (which pauses the rollout for a human rather than promoting it blind).
 */
export function analysisOutcome(
  intervals: readonly IntervalVerdict[],
  t: AnalysisThresholds,
  timeUp: boolean,
): { outcome: AnalysisOutcome; failures: number; consecutive: number } {
  let failures = 0;
  let run = 0;
  // The longest run of failures so far: a later pass does not undo a limit already reached.
  let consecutive = 0;
  for (const v of intervals) {
    if (v === "fail" || v === "marginal") {
      failures += 1;
      run += 1;
      consecutive = Math.max(consecutive, run);
    } else if (v === "pass") {
      run = 0;
    }
  }
  if (failures > t.failureLimit || consecutive >= t.consecutiveFailureLimit) {
    return { outcome: "failed", failures, consecutive };
  }
  if (!timeUp) return { outcome: "running", failures, consecutive };
  const judged = intervals.filter((v) => v !== "inconclusive").length;
  return { outcome: judged === 0 ? "inconclusive" : "passed", failures, consecutive };
}
