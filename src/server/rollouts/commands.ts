import "server-only";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { assertVersion, lockRow, type Tx } from "@/server/db/tx";
import { randomUUID } from "node:crypto";
import { db, type Prisma } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-context";
import { AppError } from "@/server/errors";
import { assertAllowed, assertCanRead, isAllowed } from "@/server/access/authorize";
import { enforceBudgetPolicy } from "@/server/slos/budget-policy";
import { auditActor } from "@/server/access/audit-log";
import { driveRollout } from "@/server/rollouts/engine";
import { fleetPlatform } from "@/server/fleet/platform";
import { withTimeout } from "@/lib/platform/types";
import {
  ACTIVE,
  canRetry,
  transition,
  type RolloutStatus,
  type UserCommand,
} from "@/lib/domain/rollouts/state-machine";
import {
  DEFAULT_THRESHOLDS,
  defaultPlan,
  planFromText,
  planSchema,
  type PlanStep,
  type RolloutPlan,
} from "@/lib/domain/rollouts/plan";
import { directChangeGate, type DirectChange } from "@/lib/domain/promotions/release-process";
import type {
  RolloutCommand,
  RetryRolloutData,
  RollbackData,
  RolloutCommandData,
  StartRolloutData,
} from "@/lib/schemas/rollouts";

/** After a change commits, let the engine apply it to the platform now rather than next tick. */
export async function applyStartedRollouts(ids: string[]): Promise<void> {
  for (const id of ids) {
    try {
      await driveRollout(id);
    } catch (error) {
      // The worker retries; the change itself is committed and audited.
      console.error(`[rollouts] applying ${id} now failed; the worker will retry:`, error);
    }
  }
}

/**
 * The environments a model runs in now, with the version serving most of the traffic: live
 * from the platform (the inventory tables lag it by a few seconds), ids from the registry.
 */
async function placements(tx: Tx, model: { id: string; name: string }) {
  // One query at a time: a transaction is one connection.
  const live = await withTimeout(
    "deployments",
    10_000,
    fleetPlatform().deployments({ model: model.name }),
  );
  const environments = await tx.environment.findMany({
    select: { id: true, name: true, tier: true },
  });
  const versions = await tx.modelVersion.findMany({
    where: { modelId: model.id },
    select: { id: true, version: true },
  });
  const envByName = new Map(environments.map((e) => [e.name, e]));
  const versionId = new Map(versions.map((v) => [v.version, v.id]));
  const byEnv = new Map<
    string,
    {
      id: string;
      name: string;
      tier: "staging" | "production";
      versionId: string;
      version: string;
      weight: number;
    }
  >();
  for (const d of [...live.data].sort((a, b) => b.trafficWeight - a.trafficWeight)) {
    const env = envByName.get(`${d.environment}/${d.region}`);
    const vid = versionId.get(d.version);
    if (!env || !vid || byEnv.has(env.name)) continue;
    byEnv.set(env.name, { ...env, versionId: vid, version: d.version, weight: d.trafficWeight });
  }
  return byEnv;
}

/** The plan to use: the form's, else the model's saved default, else the built-in default. */
function choosePlan(
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
    // An exhausted error budget freezes the service: only fixes, with an admin's override.
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
  await applyStartedRollouts(result.kick);
  const { kick: _kick, ...release } = result;
  void _kick;
  return release;
}

/** Serializes release starts of one model (two starts would race for its environments). */
export async function lockModelReleases(tx: Tx, modelId: string): Promise<void> {
  await advisoryLock(tx, LOCKS.modelReleases(modelId));
}

/**
 * The release process for a change made directly (not by a promotion request): environments
 * that take changes only through promotions, and change freezes, refuse it unless an admin
 * pushes a fix with a reason. Returns the override to record, or null.
 */
async function releaseProcessOverride(
  tx: Tx,
  actor: Actor,
  change: DirectChange,
  environmentNames: string[],
  override: { fix: boolean; reason: string | null },
  now = new Date(),
): Promise<string | null> {
  const environments = await tx.environment.findMany({
    where: { name: { in: environmentNames } },
    select: { name: true, tier: true, promotionsOnly: true },
  });
  const freezes = await tx.freezeWindow.findMany({
    where: { startsAt: { lte: now }, endsAt: { gt: now } },
    select: { name: true, tier: true, startsAt: true, endsAt: true, reason: true },
  });
  const gate = directChangeGate({
    change,
    environments,
    freezes,
    now,
    fix: override.fix,
    admin: isAllowed(actor, "policy.override"),
    reason: override.reason,
  });
  if (!gate.allowed) throw new AppError("FORBIDDEN", gate.reason);
  return gate.override;
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
          createdById: actor.kind === "user" ? actor.id : null,
          releaseId,
          wave,
          thresholds: plan.thresholds as unknown as Prisma.InputJsonValue,
          platformSynced: true,
          budgetOverride,
          processOverride,
          steps: { create: stepRows(plan.steps) },
          events: {
            create: [
              {
                kind: "created",
                message: `${by} started ${version.version} (from ${env.version}), wave ${wave + 1} of ${waves.length}.`,
                actor: actor.email,
              },
              ...(budgetOverride
                ? [
                    {
                      kind: "policy_override",
                      message: `Error-budget policy overridden for a fix: ${budgetOverride}`,
                      actor: actor.email,
                    },
                  ]
                : []),
              ...(processOverride
                ? [{ kind: "policy_override", message: processOverride, actor: actor.email }]
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
        rolloutPlan: {
          strategy: plan.strategy,
          steps: plan.steps,
          thresholds: plan.thresholds,
        } as unknown as Prisma.InputJsonValue,
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

const COMMAND_PERMISSION = {
  pause: "rollout.operate",
  resume: "rollout.operate",
  abort: "rollout.operate",
  promote: "rollout.drive",
  promote_full: "rollout.drive",
} as const;

const COMMAND_WORDS: Record<UserCommand, string> = {
  pause: "paused",
  resume: "resumed",
  promote: "promoted to the next step",
  promote_full: "promoted to 100%, skipping the remaining steps and analysis",
  abort: "aborted: all traffic back on the stable version",
  rollback: "rolled back",
};

async function lockRollout(tx: Tx, id: string) {
  await lockRow(tx, "Rollout", id);
  const r = await tx.rollout.findUnique({
    where: { id },
    select: {
      id: true,
      status: true,
      currentStep: true,
      currentWeight: true,
      version: true,
      releaseId: true,
      wave: true,
      model: { select: { id: true, name: true, teamId: true } },
      environment: { select: { name: true } },
      toVersion: { select: { version: true } },
      _count: { select: { steps: true } },
    },
  });
  if (!r) throw new AppError("NOT_FOUND", "That rollout does not exist.");
  return r;
}

/** A repeat of the same change by the same person (a double-click): answered, not applied again. */
async function alreadyApplied(
  tx: Tx,
  actor: Actor,
  action: string,
  rolloutId: string,
  fromVersion: number,
) {
  const previous = await tx.auditEvent.findFirst({
    where: {
      action,
      targetId: rolloutId,
      actorEmail: actor.email,
      outcome: "allowed",
      after: { path: ["fromVersion"], equals: fromVersion },
    },
    select: { id: true },
  });
  return previous !== null;
}

export interface CommandResult {
  status: string;
  version: number;
  alreadyApplied: boolean;
}

/** Pause, resume, promote, promote to 100% or abort one rollout, as the user saw it. */
export async function commandRollout(
  actor: Actor | null,
  meta: RequestMeta,
  input: RolloutCommandData & { command: RolloutCommand },
): Promise<CommandResult> {
  assertCanRead(actor);
  if (input.command === "promote_full" && (input.reason ?? "").length < 3) {
    throw new AppError(
      "INVALID_INPUT",
      "Promoting to 100% skips the remaining steps and analysis: say why (at least 3 characters).",
    );
  }
  const action = `rollout.${input.command}`;
  const result = await db().$transaction(async (tx) => {
    const r = await lockRollout(tx, input.rolloutId);
    assertAllowed(actor, COMMAND_PERMISSION[input.command], r.model.teamId);
    if (input.command === "promote_full") {
      const role = actor.kind === "user" ? actor.role : null;
      if (role !== "release_manager" && role !== "admin") {
        throw new AppError(
          "FORBIDDEN",
          "Only a release manager may promote to 100% and skip analysis.",
        );
      }
    }
    if (
      r.version !== input.version &&
      (await alreadyApplied(tx, actor, action, r.id, input.version))
    ) {
      return { status: r.status, version: r.version, alreadyApplied: true };
    }
    assertVersion(
      r.version,
      input.version,
      `This rollout changed since you loaded it (it is now ${r.status.replace("_", " ")}, step ${Math.min(r.currentStep + 1, r._count.steps)} of ${r._count.steps}). Check it and try again.`,
    );
    const next = transition(
      {
        status: r.status as RolloutStatus,
        step: r.currentStep,
        stepCount: r._count.steps,
        weight: r.currentWeight,
      },
      { type: input.command },
    );
    if (!next.ok) throw new AppError("CONFLICT", next.reason);
    const processOverride =
      input.command === "promote_full"
        ? await releaseProcessOverride(tx, actor, "promote_full", [r.environment.name], {
            fix: true,
            reason: input.reason ?? null,
          })
        : null;
    const now = new Date();
    const stepChanged = next.state.step !== r.currentStep;
    if (stepChanged) {
      await tx.rolloutStep.updateMany({
        where: {
          rolloutId: r.id,
          index: { gte: r.currentStep, lt: next.state.step },
          status: { in: ["pending", "running"] },
        },
        data: { status: "skipped", finishedAt: now },
      });
    }
    if (next.state.status === "aborted") {
      await tx.rolloutStep.updateMany({
        where: { rolloutId: r.id, status: "running" },
        data: { status: "failed", finishedAt: now },
      });
    }
    const updated = await tx.rollout.update({
      where: { id: r.id },
      data: {
        status: next.state.status,
        currentStep: next.state.step,
        currentWeight: next.state.weight,
        version: { increment: 1 },
        platformSynced: false,
        pausedUntil: null,
        ...(processOverride ? { processOverride } : {}),
        ...(stepChanged ? { stepStartedAt: now } : {}),
        ...(next.state.status === "completed" || next.state.status === "aborted"
          ? { finishedAt: now }
          : {}),
        ...(input.command === "abort" ||
        input.command === "promote_full" ||
        input.command === "pause"
          ? {
              reason: input.reason
                ? `${COMMAND_WORDS[input.command]} by ${actor.email}: ${input.reason}`
                : `${COMMAND_WORDS[input.command]} by ${actor.email}`,
            }
          : {}),
      },
      select: { status: true, version: true },
    });
    await tx.rolloutEvent.create({
      data: {
        rolloutId: r.id,
        at: now,
        kind: input.command,
        message: `${actor.email} ${COMMAND_WORDS[input.command]}${input.reason ? `: ${input.reason}` : "."}`,
        actor: actor.email,
      },
    });
    if (processOverride) {
      await tx.rolloutEvent.create({
        data: {
          rolloutId: r.id,
          at: now,
          kind: "policy_override",
          message: processOverride,
          actor: actor.email,
        },
      });
    }
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action,
      targetType: "rollout",
      targetId: r.id,
      outcome: "allowed",
      reason: input.reason ?? null,
      before: { status: r.status, step: r.currentStep, weight: r.currentWeight },
      after: {
        fromVersion: input.version,
        status: next.state.status,
        step: next.state.step,
        weight: next.state.weight,
        ...(processOverride ? { processOverride } : {}),
      },
    });
    return { status: updated.status, version: updated.version, alreadyApplied: false };
  });
  if (!result.alreadyApplied) await applyStartedRollouts([input.rolloutId]);
  return result;
}

/** Retries an aborted rollout as a new rollout of the same version in the same environment. */
export async function retryRollout(
  actor: Actor | null,
  meta: RequestMeta,
  input: Omit<RetryRolloutData, "fix" | "reason"> &
    Partial<Pick<RetryRolloutData, "fix" | "reason">>,
): Promise<{ rolloutId: string; alreadyApplied: boolean }> {
  assertCanRead(actor);
  const result = await db().$transaction(async (tx) => {
    const r = await lockRollout(tx, input.rolloutId);
    assertAllowed(actor, "rollout.drive", r.model.teamId);
    // The same lock as starting a rollout and rolling back: one change to a model at a time.
    await advisoryLock(tx, LOCKS.modelReleases(r.model.id));
    const full = await tx.rollout.findUniqueOrThrow({
      where: { id: r.id },
      select: {
        modelId: true,
        fromVersionId: true,
        toVersionId: true,
        environmentId: true,
        strategy: true,
        thresholds: true,
        releaseId: true,
        wave: true,
        steps: {
          orderBy: { index: "asc" },
          select: { index: true, kind: true, weight: true, durationSec: true, intervalSec: true },
        },
      },
    });
    // Retried already (a double-click, or someone else): answer with that attempt.
    const retried = await tx.auditEvent.findFirst({
      where: { action: "rollout.retry", targetId: r.id, outcome: "allowed" },
      select: { after: true },
    });
    const previous = (retried?.after as { newRolloutId?: string } | null)?.newRolloutId;
    if (previous) return { rolloutId: previous, alreadyApplied: true };
    assertVersion(
      r.version,
      input.version,
      "This rollout changed since you loaded it. Check it and try again.",
    );
    const ok = canRetry(r.status as RolloutStatus);
    if (!ok.ok) throw new AppError("CONFLICT", ok.reason);
    // A retry is a new rollout: a spent budget refuses it too (a fix goes through New rollout).
    await enforceBudgetPolicy(tx, actor, r.model.name, { fix: false, overrideReason: null });
    const processOverride = await releaseProcessOverride(tx, actor, "retry", [r.environment.name], {
      fix: input.fix ?? false,
      reason: input.reason || null,
    });
    const busy = await tx.rollout.findFirst({
      where: {
        modelId: full.modelId,
        environmentId: full.environmentId,
        status: { in: [...ACTIVE] },
      },
      select: { id: true },
    });
    if (busy)
      throw new AppError(
        "CONFLICT",
        `Another rollout of ${r.model.name} is in progress in ${r.environment.name}.`,
      );
    const created = await tx.rollout.create({
      data: {
        modelId: full.modelId,
        fromVersionId: full.fromVersionId,
        toVersionId: full.toVersionId,
        environmentId: full.environmentId,
        strategy: full.strategy,
        status: "pending",
        createdById: actor.kind === "user" ? actor.id : null,
        thresholds: full.thresholds ?? (DEFAULT_THRESHOLDS as unknown as Prisma.InputJsonValue),
        processOverride,
        steps: { create: full.steps },
        events: {
          create: [
            {
              kind: "created",
              message: `${actor.email} retried rollout ${r.id}.`,
              actor: actor.email,
            },
            ...(processOverride
              ? [{ kind: "policy_override", message: processOverride, actor: actor.email }]
              : []),
          ],
        },
      },
      select: { id: true },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "rollout.retry",
      targetType: "rollout",
      targetId: r.id,
      outcome: "allowed",
      after: {
        fromVersion: input.version,
        newRolloutId: created.id,
        ...(processOverride ? { processOverride } : {}),
      },
      reason: processOverride,
    });
    return { rolloutId: created.id, alreadyApplied: false };
  });
  if (!result.alreadyApplied) await applyStartedRollouts([result.rolloutId]);
  return result;
}

/**
 * Rolls a model in an environment back to an earlier version that ran there: any rollout in
 * progress is marked rolled back, and a rollback rollout puts the version back at once.
 */
export async function rollback(
  actor: Actor | null,
  meta: RequestMeta,
  input: RollbackData,
): Promise<{ rolloutId: string; alreadyApplied: boolean }> {
  assertCanRead(actor);
  const model = await db().model.findUnique({
    where: { name: input.model },
    select: { id: true, name: true, teamId: true },
  });
  if (!model) throw new AppError("NOT_FOUND", `No model named ${input.model}.`);
  assertAllowed(actor, "rollout.operate", model.teamId);
  const env = await db().environment.findUnique({
    where: { name: input.environment },
    select: { id: true, name: true },
  });
  if (!env) throw new AppError("NOT_FOUND", `No environment named ${input.environment}.`);
  const result = await db().$transaction(async (tx) => {
    await advisoryLock(tx, LOCKS.modelReleases(model.id));
    const target = await tx.modelVersion.findFirst({
      where: { modelId: model.id, version: input.toVersion },
      select: { id: true, version: true },
    });
    const ranHere = target
      ? await tx.rollout.findFirst({
          where: {
            modelId: model.id,
            environmentId: env.id,
            OR: [{ toVersionId: target.id, status: "completed" }, { fromVersionId: target.id }],
          },
          select: { id: true },
        })
      : null;
    const servingNow = (await placements(tx, model)).get(env.name);
    if (!target || (!ranHere && servingNow?.versionId !== target.id)) {
      throw new AppError(
        "INVALID_INPUT",
        `${model.name} ${input.toVersion} never ran in ${env.name}; roll back to a version that did.`,
      );
    }
    const pending = await tx.rollout.findFirst({
      where: {
        modelId: model.id,
        environmentId: env.id,
        kind: "rollback",
        toVersionId: target.id,
        status: { in: [...ACTIVE] },
      },
      select: { id: true },
    });
    if (pending) return { rolloutId: pending.id, alreadyApplied: true, kick: [] as string[] };
    const active = await tx.rollout.findMany({
      where: {
        modelId: model.id,
        environmentId: env.id,
        status: { in: [...ACTIVE] },
        kind: "rollout",
      },
      select: { id: true, status: true },
    });
    if (active.length === 0) {
      // A double-click: the first click already rolled back whatever was in flight.
      const recent = await tx.rollout.findFirst({
        where: {
          modelId: model.id,
          environmentId: env.id,
          kind: "rollback",
          toVersionId: target.id,
          createdAt: { gte: new Date(Date.now() - 10_000) },
        },
        select: { id: true },
      });
      if (recent) return { rolloutId: recent.id, alreadyApplied: true, kick: [] as string[] };
      if (servingNow?.versionId === target.id && servingNow.weight === 100) {
        throw new AppError(
          "CONFLICT",
          `${env.name} already runs ${model.name} ${target.version} only.`,
        );
      }
    }
    const now = new Date();
    const rolledBack: string[] = [];
    for (const a of active) {
      // Only a rollout still in flight becomes rolled back: one the engine finished meanwhile
      // keeps its terminal state.
      const changed = await tx.rollout.updateMany({
        where: { id: a.id, status: { in: [...ACTIVE] } },
        data: {
          status: "rolled_back",
          currentWeight: 0,
          finishedAt: now,
          version: { increment: 1 },
          platformSynced: true,
          reason: `Rolled back to ${target.version} by ${actor.email}${input.reason ? `: ${input.reason}` : ""}`,
        },
      });
      if (changed.count === 0) continue;
      rolledBack.push(a.id);
      await tx.rolloutStep.updateMany({
        where: { rolloutId: a.id, status: { in: ["pending", "running"] } },
        data: { status: "skipped", finishedAt: now },
      });
      await tx.rolloutEvent.create({
        data: {
          rolloutId: a.id,
          kind: "rollback",
          message: `${actor.email} rolled back to ${target.version}.`,
          actor: actor.email,
        },
      });
    }
    const created = await tx.rollout.create({
      data: {
        modelId: model.id,
        fromVersionId: servingNow?.versionId ?? null,
        toVersionId: target.id,
        environmentId: env.id,
        strategy: "canary",
        kind: "rollback",
        // In progress until the engine has applied it to the platform: never "done" before.
        status: "progressing",
        currentStep: 0,
        currentWeight: 0,
        startedAt: now,
        platformSynced: false,
        reason: input.reason ?? `Rollback to ${target.version}`,
        createdById: actor.kind === "user" ? actor.id : null,
        steps: { create: [{ index: 0, kind: "set_weight", weight: 100 }] },
        events: {
          create: {
            kind: "rollback",
            message: `${actor.email} rolled ${env.name} back to ${target.version}${input.reason ? `: ${input.reason}` : "."}`,
            actor: actor.email,
          },
        },
      },
      select: { id: true },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "rollout.rollback",
      targetType: "model",
      targetId: model.id,
      outcome: "allowed",
      reason: input.reason ?? null,
      before: {
        environment: env.name,
        serving: servingNow?.version ?? null,
        rolledBack,
      },
      after: { environment: env.name, version: target.version, rolloutId: created.id },
    });
    return { rolloutId: created.id, alreadyApplied: false, kick: [created.id] };
  });
  await applyStartedRollouts(result.kick);
  return { rolloutId: result.rolloutId, alreadyApplied: result.alreadyApplied };
}
