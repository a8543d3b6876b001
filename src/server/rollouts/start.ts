import "server-only";
import { clock } from "@/lib/clock";
import { ACTIVE } from "@/lib/domain/rollouts/state-machine";
import { auditActor } from "@/server/access/audit-log";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { type Tx } from "@/server/db/tx";
import { randomUUID } from "node:crypto";
import { db, type Prisma } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed, assertCanRead } from "@/server/access/authorize";
import { enforceBudgetPolicy } from "@/server/slos/budget-policy";
import {
  defaultPlan,
  planFromText,
  planSchema,
  savedPlanOf,
  type PlanStep,
  type RolloutPlan,
} from "@/lib/domain/rollouts/plan";
import type { StartRolloutData } from "@/lib/schemas/rollouts";
import { DEFAULT_OUTAGE_MINUTES, HOLD } from "@/lib/domain/rollouts/blocked";
import { applyStartedRollouts } from "@/server/rollouts/apply-now";
import { placements } from "@/server/rollouts/placements";
import { releaseProcessOverride } from "@/server/rollouts/release-process";

/**
 * The plan to use: the form's, else the model's saved default, else the built-in default; with
 * the form's metrics-outage policy when it chose one.
 */
function choosePlan(
  input: StartRolloutData,
  saved: unknown,
  environments: { name: string; tier: "staging" | "production" }[],
): RolloutPlan {
  const plan = basePlan(input, saved, environments);
  if (!input.metricsOutage) return plan;
  return {
    ...plan,
    metricsOutage:
      input.metricsOutage === "hold"
        ? HOLD
        : {
            action: "return_to_stable",
            afterMinutes: input.metricsOutageMinutes ?? DEFAULT_OUTAGE_MINUTES,
          },
  };
}

function basePlan(
  input: StartRolloutData,
  saved: unknown,
  environments: { name: string; tier: "staging" | "production" }[],
): RolloutPlan {
  const waves = defaultPlan(environments).waves;
  if (input.steps.trim() !== "") {
    const parsed = planFromText({
      strategy: input.strategy,
      steps: input.steps,
      waves: input.waves.trim() !== "" ? input.waves : waves.map((w) => w.join(", ")).join("\n"),
    });
    if (!parsed.ok) throw new AppError("INVALID_INPUT", parsed.error);
    return parsed.plan;
  }
  const stored = planSchema.safeParse({ ...(saved as object), waves });
  if (saved && stored.success) return stored.data;
  return defaultPlan(environments);
}

export interface StartedRelease {
  releaseId: string;
  rollouts: { id: string; environment: string; wave: number }[];
  skipped: string[];
  alreadyStarted: boolean;
}

/**
 * Starts a release of a model version: one rollout per environment, wave by wave. Double
 * submits start it once. Environments that already run the version are skipped.
 */
export async function startRollout(
  actor: Actor | null,
  meta: RequestMeta,
  input: StartRolloutData,
): Promise<StartedRelease> {
  assertCanRead(actor);
  const model = await db().model.findUnique({
    where: { name: input.model },
    select: { id: true, name: true, teamId: true, rolloutPlan: true },
  });
  if (!model) throw new AppError("NOT_FOUND", `No model named ${input.model}.`);
  assertAllowed(actor, "rollout.drive", model.teamId);
  const version = await db().modelVersion.findFirst({
    where: { modelId: model.id, version: input.version },
    select: { id: true, version: true },
  });
  if (!version) {
    throw new AppError("INVALID_INPUT", `${model.name} has no version ${input.version}.`);
  }

  const result = await db().$transaction(async (tx) => {
    await lockModelReleases(tx, model.id);
    // An exhausted error budget release holds the service: only fixes, with an admin's override.
    const gate = await enforceBudgetPolicy(tx, actor, model.name, {
      fix: input.fix,
      overrideReason: input.overrideReason || null,
    });
    return startReleaseInTransaction(tx, actor, meta, {
      model,
      version,
      input,
      budgetOverride: gate.override ? input.overrideReason : null,
      budgetWarning: gate.warning,
    });
  });
  applyStartedRollouts(result.kick);
  const { kick: _kick, ...release } = result;
  void _kick;
  return release;
}

/** Serializes release starts of one model (two starts would race for its environments). */
export async function lockModelReleases(tx: Tx, modelId: string): Promise<void> {
  await advisoryLock(tx, LOCKS.modelReleases(modelId));
}

/** What a release start needs once the caller has authorized it and applied the policies. */
export interface ReleaseSpec {
  model: { id: string; name: string; rolloutPlan: unknown };
  version: { id: string; version: string };
  input: StartRolloutData;
  budgetOverride: string | null;
  budgetWarning: string | null;
  /** only these environments (a promotion's targets); absent: every environment of the plan */
  environments?: string[];
  /** the promotion request this release carries out */
  promotion?: { id: string; number: number; approvers: string[] };
}

/**
 * Creates a release's rollouts inside the caller's transaction, which holds
 * `lockModelReleases`. Returns the first wave's rollout ids to apply after commit.
 */
export async function startReleaseInTransaction(
  tx: Tx,
  actor: Actor,
  meta: RequestMeta,
  spec: ReleaseSpec,
): Promise<StartedRelease & { kick: string[] }> {
  const { model, version, input, budgetOverride } = spec;
  const placed = await placements(tx, model);
  if (placed.size === 0) {
    throw new AppError("INVALID_INPUT", `${model.name} is not deployed anywhere.`);
  }
  const envs = spec.environments
    ? new Map([...placed].filter(([name]) => spec.environments?.includes(name)))
    : placed;
  const missing = (spec.environments ?? []).filter((e) => !placed.has(e));
  if (missing.length > 0) {
    throw new AppError("INVALID_INPUT", `${model.name} does not run in ${missing.join(", ")}.`);
  }
  const plan = choosePlan(input, model.rolloutPlan, [...envs.values()]);
  for (const env of plan.waves.flat()) {
    if (!envs.has(env)) {
      throw new AppError(
        "INVALID_INPUT",
        `${model.name} does not run in ${env}; waves may only name ${[...envs.keys()].join(", ")}.`,
      );
    }
  }
  const active = await tx.rollout.findMany({
    where: { modelId: model.id, status: { in: [...ACTIVE] } },
    select: { releaseId: true, toVersionId: true, environment: { select: { name: true } } },
  });
  const same = active.find(
    (a) =>
      a.toVersionId === version.id && a.releaseId && plan.waves.flat().includes(a.environment.name),
  );
  if (same?.releaseId) {
    const rows = await tx.rollout.findMany({
      where: { releaseId: same.releaseId },
      select: { id: true, wave: true, environment: { select: { name: true } } },
    });
    return {
      releaseId: same.releaseId,
      rollouts: rows.map((r) => ({ id: r.id, wave: r.wave, environment: r.environment.name })),
      skipped: [],
      alreadyStarted: true,
      kick: [],
    };
  }
  const busy = active.find((a) => plan.waves.flat().includes(a.environment.name));
  if (busy) {
    throw new AppError(
      "CONFLICT",
      `A rollout of ${model.name} is already in progress in ${busy.environment.name}; finish or abort it first.`,
    );
  }
  const skipped: string[] = [];
  const waves = plan.waves
    .map((w) =>
      w.filter((env) => {
        const e = envs.get(env);
        if (e && e.version === version.version && e.weight === 100) {
          skipped.push(env);
          return false;
        }
        return true;
      }),
    )
    .filter((w) => w.length > 0);
  if (waves.length === 0) {
    throw new AppError(
      "INVALID_INPUT",
      `${model.name} ${version.version} already serves every environment in the plan.`,
    );
  }
  // A promotion request went through its own gates and approvals; anything else is direct.
  const processOverride = spec.promotion
    ? null
    : await releaseProcessOverride(tx, actor, "start", waves.flat(), {
        fix: input.fix,
        reason: input.overrideReason || null,
      });
  const releaseId = randomUUID();
  const by = spec.promotion
    ? `promotion #${spec.promotion.number} (approved by ${spec.promotion.approvers.join(", ")})`
    : actor.email;
  const created: { id: string; environment: string; wave: number }[] = [];
  const now = clock.now();
  for (const [wave, names] of waves.entries()) {
    for (const name of names) {
      const env = envs.get(name);
      if (!env) continue;
      const row = await tx.rollout.create({
        data: {
          modelId: model.id,
          fromVersionId: env.versionId,
          toVersionId: version.id,
          environmentId: env.id,
          strategy: plan.strategy,
          status: "pending",
          createdAt: now,
          createdById: actor.kind === "user" ? actor.id : null,
          releaseId,
          wave,
          thresholds: plan.thresholds as unknown as Prisma.InputJsonValue,
          metricsOutage: plan.metricsOutage as unknown as Prisma.InputJsonValue,
          platformSynced: true,
          budgetOverride,
          processOverride,
          steps: { create: stepRows(plan.steps) },
          events: {
            create: [
              {
                at: now,
                kind: "created",
                message: `${by} started ${version.version} (from ${env.version}), wave ${wave + 1} of ${waves.length}.`,
                actor: actor.email,
              },
              ...(budgetOverride
                ? [
                    {
                      at: now,
                      kind: "policy_override",
                      message: `Error-budget policy overridden for a fix: ${budgetOverride}`,
                      actor: actor.email,
                    },
                  ]
                : []),
              ...(processOverride
                ? [
                    {
                      at: now,
                      kind: "policy_override",
                      message: processOverride,
                      actor: actor.email,
                    },
                  ]
                : []),
            ],
          },
        },
        select: { id: true },
      });
      created.push({ id: row.id, environment: name, wave });
    }
  }
  if (input.saveAsDefault) {
    await tx.model.update({
      where: { id: model.id },
      data: {
        rolloutPlan: savedPlanOf(plan) as unknown as Prisma.InputJsonValue,
      },
    });
  }
  await appendAudit(tx, {
    ...auditActor(actor, meta),
    action: "rollout.start",
    targetType: "model",
    targetId: model.id,
    outcome: "allowed",
    after: {
      releaseId,
      version: version.version,
      waves: waves as unknown as Prisma.InputJsonValue,
      steps: plan.steps as unknown as Prisma.InputJsonValue,
      skipped,
      savedAsDefault: input.saveAsDefault,
      fix: input.fix,
      ...(spec.promotion ? { promotion: spec.promotion.number } : {}),
      ...(budgetOverride ? { budgetOverride } : {}),
      ...(processOverride ? { processOverride } : {}),
      ...(spec.budgetWarning ? { budgetWarning: spec.budgetWarning } : {}),
    },
    reason: [budgetOverride, processOverride].filter(Boolean).join("; ") || null,
  });
  return {
    releaseId,
    rollouts: created,
    skipped,
    alreadyStarted: false,
    kick: created.filter((c) => c.wave === 0).map((c) => c.id),
  };
}

function stepRows(steps: readonly PlanStep[]) {
  return steps.map((s, index) => ({
    index,
    kind: s.kind,
    weight: s.kind === "set_weight" ? s.weight : null,
    durationSec: s.kind === "set_weight" ? null : (s.durationSec ?? null),
    intervalSec: s.kind === "analysis" ? s.intervalSec : null,
  }));
}
