import { z } from "zod";
import type { MetricResult } from "@/lib/domain/rollouts/analysis";
import type { ComparisonPoint } from "@/lib/domain/rollouts/series";
import { STRATEGIES, type AnalysisThresholds } from "@/lib/domain/rollouts/plan";
import type { MetricsOutagePolicy } from "@/lib/domain/rollouts/blocked";
import type { UserCommand } from "@/lib/domain/rollouts/state-machine";

const id = z.string().trim().min(1).max(64);
const version = z.coerce.number().int().min(1);

/**
 * Starting a rollout. The plan arrives as text (steps one per line, waves one per line) and is
 * parsed and validated as a plan by the service; empty means the model's default plan.
 */
export const startRolloutSchema = z.object({
  model: z.string().trim().min(1, "Choose a model.").max(100),
  version: z.string().trim().min(1, "Choose a version.").max(128),
  strategy: z.enum(STRATEGIES).default("canary"),
  steps: z.string().max(4_000).default(""),
  waves: z.string().max(4_000).default(""),
  saveAsDefault: z.coerce.boolean().default(false),
  /** a fix may go out while the error budget is exhausted, with an admin's override */
  fix: z.coerce.boolean().default(false),
  overrideReason: z.string().trim().max(500).default(""),
  /** the plan's metrics-outage policy; absent: the saved or default plan's */
  metricsOutage: z.enum(["hold", "return_to_stable"]).optional(),
  metricsOutageMinutes: z.coerce
    .number()
    .int("Minutes are whole numbers.")
    .min(1, "Wait at least 1 minute before returning traffic to stable.")
    .max(1440, "Wait at most 1,440 minutes (a day).")
    .optional(),
});
export type StartRolloutInput = z.input<typeof startRolloutSchema>;
export type StartRolloutData = z.output<typeof startRolloutSchema>;

export const ROLLOUT_COMMANDS = ["pause", "resume", "promote", "promote_full", "abort"] as const;

export const rolloutCommandSchema = z.object({
  rolloutId: id,
  /** the rollout's version the user saw (optimistic concurrency) */
  version,
  /** required to promote to 100% */
  reason: z.string().trim().max(500).optional(),
});
export type RolloutCommand = (typeof ROLLOUT_COMMANDS)[number];
export type RolloutCommandInput = z.input<typeof rolloutCommandSchema>;
export type RolloutCommandData = z.output<typeof rolloutCommandSchema>;

export const retryRolloutSchema = z.object({
  rolloutId: id,
  version,
  /** an admin retrying into an environment that takes changes only through promotions */
  fix: z.coerce.boolean().default(false),
  reason: z.string().trim().max(500).default(""),
});
export type RetryRolloutInput = z.input<typeof retryRolloutSchema>;
export type RetryRolloutData = z.output<typeof retryRolloutSchema>;

export const rollbackSchema = z.object({
  model: z.string().trim().min(1).max(100),
  /** environment name, e.g. "production/us-east-1" */
  environment: z.string().trim().min(1).max(100),
  toVersion: z.string().trim().min(1, "Choose the version to roll back to.").max(128),
  reason: z.string().trim().max(500).optional(),
});
export type RollbackInput = z.input<typeof rollbackSchema>;
export type RollbackData = z.output<typeof rollbackSchema>;

/** One rollout as the rollout page and `GET /api/v1/rollouts/{id}` show it. */
export interface RolloutDetail {
  id: string;
  kind: string;
  model: string;
  team: string;
  fromVersion: string | null;
  toVersion: string;
  environment: string;
  region: string;
  strategy: string;
  status: string;
  verifying: boolean;
  /** a change made to the platform object outside Flightdeck, which paused the rollout */
  outsideChange: string | null;
  /** the GitOps tool that manages the platform object (it may revert Flightdeck's changes) */
  managedBy: string | null;
  /** why the engine cannot drive it now (the platform refused, metrics are down…), or null */
  blocked: {
    reason: string;
    kind: string;
    since: Date;
    attempts: number;
    nextAttemptAt: Date | null;
    /** when it raised its ticket-severity alert, if it has */
    alertedAt: Date | null;
  } | null;
  /** what the canary's traffic does when metrics are unavailable during analysis */
  metricsOutage: MetricsOutagePolicy;
  currentStep: number;
  currentWeight: number;
  reason: string | null;
  version: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
  pausedUntil: Date | null;
  createdBy: string | null;
  target: { cluster: string; namespace: string; name: string } | null;
  thresholds: AnalysisThresholds;
  steps: {
    index: number;
    kind: string;
    weight: number | null;
    durationSec: number | null;
    intervalSec: number | null;
    status: string;
    startedAt: Date | null;
    finishedAt: Date | null;
  }[];
  waves: { wave: number; rollouts: { id: string; environment: string; status: string }[] }[];
  wave: number;
  analysis: {
    stepIndex: number;
    at: Date;
    verdict: string;
    score: number | null;
    reason: string;
    metrics: MetricResult[];
  }[];
  events: { at: Date; kind: string; message: string; actor: string | null }[];
  /** live split of the environment's traffic between versions, from the platform */
  traffic: { version: string; weight: number; replicasReady: number; replicasDesired: number }[];
  /** requests per second the environment serves now: the blast radius of a change */
  environmentRps: number | null;
  /** which buttons this user may press now */
  can: Record<UserCommand | "retry", boolean>;
  /** earlier versions that ran here, for rollback */
  rollbackTargets: string[];
  /** policies an admin overrode to start or promote it, with their reason */
  overrides: string[];
  /** its environment takes changes only through promotions */
  promotionsOnly: boolean;
}

export type { ComparisonPoint };

/** Canary against baseline over the rollout's life, for the charts. */
export interface RolloutSeries {
  errorRate: ComparisonPoint[];
  latencyP99: ComparisonPoint[];
  /** the time the charts cover, ms since the epoch: the rollout's life and a little past its end */
  window: { start: number; end: number };
}

/** What `GET /api/v1/rollouts/{id}` answers, and the rollout page renders first. */
export interface RolloutPayload {
  rollout: RolloutDetail;
  series: RolloutSeries;
}
