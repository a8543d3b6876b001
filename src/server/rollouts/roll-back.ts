import "server-only";
import { clock } from "@/lib/clock";
import { ACTIVE } from "@/lib/domain/rollouts/state-machine";
import { auditActor } from "@/server/access/audit-log";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { notifyRollout } from "@/server/notifications/subjects";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed, assertCanRead } from "@/server/access/authorize";
import type { RollbackData } from "@/lib/schemas/rollouts";
import { applyStartedRollouts } from "@/server/rollouts/apply-now";
import { placements } from "@/server/rollouts/placements";

/**
 * Rolls a model in an environment back to an earlier version that ran there: any rollout in
 * progress is marked rolled back, and a rollback rollout puts the version back at once.
 */
export async function rollBackDeployment(
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
          createdAt: { gte: new Date(clock.ms() - 10_000) },
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
    const now = clock.now();
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
          // the rollback owns the platform object now: whatever blocked this one is its concern
          blockedReason: null,
          blockedKind: null,
          blockedSince: null,
          nextAttemptAt: null,
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
          at: now,
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
        createdAt: now,
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
            at: now,
            kind: "rollback",
            message: `${actor.email} rolled ${env.name} back to ${target.version}${input.reason ? `: ${input.reason}` : "."}`,
            actor: actor.email,
          },
        },
      },
      select: { id: true },
    });
    await notifyRollout(tx, created.id, "rollout.rolled_back", {
      actor: actor.email,
      reason: input.reason ?? null,
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
  applyStartedRollouts(result.kick);
  return { rolloutId: result.rolloutId, alreadyApplied: result.alreadyApplied };
}
