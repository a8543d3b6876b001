import { z } from "zod";
import type { Tier } from "../models/registry";
import { HOLD, metricsOutagePolicySchema } from "./blocked";

/**
 * A rollout plan: the steps each wave runs (Argo Rollouts' canary steps), and the waves of
 * environments it runs in, each gated on the previous one completing.
 */
export const stepSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("set_weight"),
    weight: z.number().int("Weights are whole percents.").min(1).max(100),
  }),
  z.object({
    kind: z.literal("pause"),
    /** absent: wait until someone promotes */
    durationSec: z
      .number()
      .int()
      .positive("Pause durations must be positive.")
      .max(86_400)
      .optional(),
  }),
  z.object({
    kind: z.literal("analysis"),
    durationSec: z.number().int().positive("Analysis durations must be positive.").max(86_400),
    intervalSec: z.number().int().positive("Analysis intervals must be positive.").max(3_600),
  }),
]);
export type PlanStep = z.infer<typeof stepSchema>;

export const analysisThresholdsSchema = z.object({
  /** canary error rate may exceed the baseline's by at most this (absolute share) */
  maxErrorRateIncrease: z.number().min(0).max(1),
  /** canary latency may be at most this multiple of the baseline's */
  maxLatencyRatio: z.number().min(1).max(100),
  maxDriftPsi: z.number().min(0).max(10),
  /** canary online accuracy may be below the baseline's by at most this */
  maxAccuracyDrop: z.number().min(0).max(1),
  /** fewer canary requests than this in an interval: inconclusive, not judged */
  minRequests: z.number().int().min(1),
  /** an analysis fails when more intervals than this fail */
  failureLimit: z.number().int().min(0).max(100),
  /** ... or when this many fail in a row */
  consecutiveFailureLimit: z.number().int().min(1).max(100),
});
export type AnalysisThresholds = z.infer<typeof analysisThresholdsSchema>;

export const DEFAULT_THRESHOLDS: AnalysisThresholds = {
  maxErrorRateIncrease: 0.005,
  maxLatencyRatio: 1.5,
  maxDriftPsi: 0.2,
  maxAccuracyDrop: 0.03,
  minRequests: 20,
  failureLimit: 1,
  consecutiveFailureLimit: 2,
};

export const STRATEGIES = ["canary", "blue_green"] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const planSchema = z
  .object({
    strategy: z.enum(STRATEGIES),
    steps: z.array(stepSchema).min(1, "A plan needs at least one step.").max(50),
    /** environment names (e.g. "production/us-east-1"), wave by wave */
    waves: z
      .array(z.array(z.string().min(1)).min(1, "A wave needs at least one environment."))
      .min(1, "A plan needs at least one wave.")
      .max(10),
    thresholds: analysisThresholdsSchema.default(DEFAULT_THRESHOLDS),
    /** what the canary's traffic does when metrics are unavailable during analysis */
    metricsOutage: metricsOutagePolicySchema.default(HOLD),
  })
  .superRefine((plan, ctx) => {
    let last = 0;
    plan.steps.forEach((s, i) => {
      if (s.kind !== "set_weight") return;
      if (s.weight < last) {
        ctx.addIssue({
          code: "custom",
          path: ["steps", i, "weight"],
          message: `Step ${i + 1} lowers the weight from ${last}% to ${s.weight}%: weights must rise.`,
        });
      }
      last = s.weight;
    });
    if (
      plan.strategy === "blue_green" &&
      plan.steps.some((s) => s.kind === "set_weight" && s.weight < 100)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["steps"],
        message: "A blue-green plan switches all traffic at once: its only weight is 100%.",
      });
    }
    plan.steps.forEach((s, i) => {
      if (s.kind === "analysis" && s.durationSec > 0 && s.intervalSec > s.durationSec) {
        ctx.addIssue({
          code: "custom",
          path: ["steps", i, "intervalSec"],
          message: `Step ${i + 1} measures every ${s.intervalSec} s but lasts ${s.durationSec} s: the interval must fit in the duration.`,
        });
      }
    });
    const seen = new Set<string>();
    plan.waves.flat().forEach((env) => {
      if (seen.has(env)) {
        ctx.addIssue({ code: "custom", path: ["waves"], message: `${env} is in two waves.` });
      }
      seen.add(env);
    });
  });
export type RolloutPlan = z.infer<typeof planSchema>;

/**
 * What a model keeps as its saved plan (waves come from where it runs): the strategy, steps and
 * thresholds, and the metrics-outage policy when it is not the default hold.
 */
export function savedPlanOf(plan: RolloutPlan) {
  const { strategy, steps, thresholds, metricsOutage } = plan;
  return {
    strategy,
    steps,
    thresholds,
    ...(metricsOutage.action !== "hold" ? { metricsOutage } : {}),
  };
}

/**
 * The default plan for a model: staging first, then one production region as the canary
 * region, then the remaining production regions; canary steps with analysis between them.
 */
export function defaultPlan(environments: { name: string; tier: Tier }[]): RolloutPlan {
  const staging = environments
    .filter((e) => e.tier === "staging")
    .map((e) => e.name)
    .sort();
  const production = environments
    .filter((e) => e.tier === "production")
    .map((e) => e.name)
    .sort();
  const waves = [
    ...(staging.length > 0 ? [staging] : []),
    ...(production.length > 0 ? [production.slice(0, 1)] : []),
    ...(production.length > 1 ? [production.slice(1)] : []),
  ];
  return {
    strategy: "canary",
    steps: [
      { kind: "set_weight", weight: 10 },
      { kind: "analysis", durationSec: 120, intervalSec: 30 },
      { kind: "set_weight", weight: 25 },
      { kind: "pause", durationSec: 60 },
      { kind: "set_weight", weight: 50 },
      { kind: "analysis", durationSec: 120, intervalSec: 30 },
      { kind: "set_weight", weight: 100 },
    ],
    waves,
    thresholds: DEFAULT_THRESHOLDS,
    metricsOutage: HOLD,
  };
}

/** The canary weight in force after steps [0, index) have run. */
export function weightBefore(steps: readonly PlanStep[], index: number): number {
  let w = 0;
  for (const s of steps.slice(0, index)) if (s.kind === "set_weight") w = s.weight;
  return w;
}

/**
 * Steps as text, one per line, for editing in a form:
 * `weight 10`, `pause 60s`, `pause` (until promoted), `analysis 120s every 30s`.
 */
export function formatSteps(steps: readonly PlanStep[]): string {
  return steps
    .map((s) =>
      s.kind === "set_weight"
        ? `weight ${s.weight}`
        : s.kind === "pause"
          ? s.durationSec
            ? `pause ${s.durationSec}s`
            : "pause"
          : `analysis ${s.durationSec}s every ${s.intervalSec}s`,
    )
    .join("\n");
}

export function parseSteps(
  text: string,
): { ok: true; steps: PlanStep[] } | { ok: false; error: string } {
  const steps: PlanStep[] = [];
  const lines = text.split("\n");
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim().toLowerCase();
    if (line === "" || line.startsWith("#")) continue;
    const at = `Line ${i + 1} ("${raw.trim()}")`;
    let m: RegExpMatchArray | null;
    if ((m = line.match(/^(?:set )?weight (\d+)%?$/))) {
      steps.push({ kind: "set_weight", weight: Number(m[1]) });
    } else if ((m = line.match(/^pause(?: (\d+)s)?$/))) {
      steps.push(m[1] ? { kind: "pause", durationSec: Number(m[1]) } : { kind: "pause" });
    } else if ((m = line.match(/^analysis (\d+)s every (\d+)s$/))) {
      steps.push({ kind: "analysis", durationSec: Number(m[1]), intervalSec: Number(m[2]) });
    } else {
      return {
        ok: false,
        error: `${at}: write "weight 10", "pause 60s", "pause" or "analysis 120s every 30s".`,
      };
    }
  }
  return { ok: true, steps };
}

/** Waves as text: one wave per line, environments separated by commas. */
export function formatWaves(waves: readonly (readonly string[])[]): string {
  return waves.map((w) => w.join(", ")).join("\n");
}

export function parseWaves(text: string): string[][] {
  return text
    .split("\n")
    .map((l) =>
      l
        .split(",")
        .map((e) => e.trim())
        .filter(Boolean),
    )
    .filter((w) => w.length > 0);
}

/** A plan from the start form's text fields, or the first problem in words. */
export function planFromText(input: {
  strategy: Strategy;
  steps: string;
  waves: string;
}): { ok: true; plan: RolloutPlan } | { ok: false; error: string } {
  const parsed = parseSteps(input.steps);
  if (!parsed.ok) return parsed;
  const result = planSchema.safeParse({
    strategy: input.strategy,
    steps: parsed.steps,
    waves: parseWaves(input.waves),
  });
  if (!result.success) {
    const issue = result.error.issues[0];
    const where = issue?.path[0] === "waves" ? "Waves" : "Steps";
    return { ok: false, error: `${where}: ${issue?.message ?? "invalid plan"}` };
  }
  return { ok: true, plan: result.data };
}
