/**
 * The plan's traffic policy when metrics are unavailable during analysis, in its own module
 * without the validation library: the rollout page's live part (a client component) describes
 * it, and importing the schema's module there would add zod to the page's JavaScript. The
 * schema that validates it is `metricsOutagePolicySchema` (`blocked.ts`).
 */
export type MetricsOutagePolicy =
  { action: "hold" } | { action: "return_to_stable"; afterMinutes: number };

/** In words, for the rollout page and the start form. */
export function describeMetricsOutagePolicy(policy: MetricsOutagePolicy): string {
  return policy.action === "hold"
    ? "If metrics are unavailable during analysis, hold the canary at its weight until they return."
    : `If metrics are unavailable during analysis for ${policy.afterMinutes} min, return all traffic to the stable version.`;
}
