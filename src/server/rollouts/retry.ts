import "server-only";
import { clock } from "@/lib/clock";
import { ACTIVE } from "@/lib/domain/rollouts/state-machine";
import { auditActor } from "@/server/access/audit-log";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { assertVersion } from "@/server/db/tx";
import { db, type Prisma } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed, assertCanRead } from "@/server/access/authorize";
import { enforceBudgetPolicy } from "@/server/slos/budget-policy";
import { canRetry, type RolloutStatus } from "@/lib/domain/rollouts/state-machine";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/rollouts/plan";
import type { RetryRolloutData } from "@/lib/schemas/rollouts";
import { applyStartedRollouts } from "@/server/rollouts/apply-now";
import { releaseProcessOverride } from "@/server/rollouts/release-process";
import { lockRollout } from "@/server/rollouts/rollout-row";

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
    const now = clock.now();
    const created = await tx.rollout.create({
      data: {
        createdAt: now,
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
              at: now,
              kind: "created",
              message: `${actor.email} retried rollout ${r.id}.`,
              actor: actor.email,
            },
            ...(processOverride
              ? [{ at: now, kind: "policy_override", message: processOverride, actor: actor.email }]
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
  if (!result.alreadyApplied) applyStartedRollouts([result.rolloutId]);
  return result;
}
