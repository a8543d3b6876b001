import { z } from "zod";
import { STRATEGIES } from "@/lib/domain/rollouts/plan";

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
