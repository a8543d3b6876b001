import { z } from "zod";
import type { MetricsOutagePolicy } from "@/lib/domain/rollouts/outage-policy";

export { describeMetricsOutagePolicy } from "@/lib/domain/rollouts/outage-policy";
export type { MetricsOutagePolicy } from "@/lib/domain/rollouts/outage-policy";

/**
 * A rollout the engine cannot drive is never silently stuck: it is "blocked" with the reason,
 * tried again with a growing delay (so a row that keeps failing never starves newer rollouts of
 * the engine's attention), and after a while raises a ticket-severity alert.
 */

/**
 * What blocked it: the platform (a refused or failed call), metrics (an analysis without
 * samples), its platform object (missing), or an error of Flightdeck's own.
 */
export const BLOCK_KINDS = ["platform", "metrics", "target", "internal"] as const;
export type BlockKind = (typeof BLOCK_KINDS)[number];

/** First retry after 10 s, doubling to at most 5 minutes. */
export const FIRST_RETRY_MS = 10_000;
export const MAX_RETRY_MS = 5 * 60_000;

/** How long to wait before attempt number `attempts + 1` (attempts ≥ 1 have failed). */
export function retryDelayMs(attempts: number): number {
  const n = Math.max(1, Math.floor(attempts));
  // 2^(n-1) grows past the cap long before it loses precision
  return Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(n - 1, 30));
}

/** The default time a rollout stays blocked before its ticket-severity alert. */
export const DEFAULT_BLOCKED_ALERT_MINUTES = 15;

/** True when a block that began at `since` has lasted `alertMinutes` and has not alerted yet. */
export function blockedAlertDue(input: {
  since: Date | null;
  alertedAt: Date | null;
  alertMinutes: number;
  now: Date;
}): boolean {
  if (!input.since || input.alertedAt) return false;
  return input.now.getTime() - input.since.getTime() >= input.alertMinutes * 60_000;
}

/**
 * The plan's traffic policy when metrics are unavailable during analysis. Analysis never passes
 * or fails without samples; `hold` keeps the canary at its weight until metrics return,
 * `return_to_stable` sends all traffic back to the stable version (an abort) once the outage has
 * lasted `afterMinutes`.
 */
export const metricsOutagePolicySchema = z.discriminatedUnion("action", [
  z.object({ action: z.literal("hold") }),
  z.object({
    action: z.literal("return_to_stable"),
    afterMinutes: z
      .number()
      .int("Minutes are whole numbers.")
      .min(1, "Wait at least 1 minute before returning traffic to stable.")
      .max(1440, "Wait at most 1,440 minutes (a day)."),
  }),
]) satisfies z.ZodType<MetricsOutagePolicy>;

export const HOLD: MetricsOutagePolicy = { action: "hold" };
/** What the start form offers for "return to stable after N minutes". */
export const DEFAULT_OUTAGE_MINUTES = 10;

/** A stored policy, or hold when none (or an unreadable one) is stored. */
export function metricsOutagePolicyOf(stored: unknown): MetricsOutagePolicy {
  const parsed = metricsOutagePolicySchema.safeParse(stored);
  return parsed.success ? parsed.data : HOLD;
}

/**
 * What to do about a metrics outage during analysis that began at `since`: keep holding, or
 * return to stable because the plan says so and the outage has lasted long enough.
 */
export function metricsOutageDecision(input: {
  policy: MetricsOutagePolicy;
  since: Date;
  now: Date;
}): "hold" | "return_to_stable" {
  const { policy, since, now } = input;
  if (policy.action === "hold") return "hold";
  return now.getTime() - since.getTime() >= policy.afterMinutes * 60_000
    ? "return_to_stable"
    : "hold";
}
