import "server-only";
import { notifyPromotion } from "@/server/notifications/subjects";
import { clock } from "@/lib/clock";
import { type Tx } from "@/server/db/tx";
import type { Prisma } from "@/server/db/client";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import { applyStartedRollouts } from "@/server/rollouts/apply-now";
import { lockModelReleases, startReleaseInTransaction } from "@/server/rollouts/start";
import { evaluatePromotionGates } from "@/server/promotions/gates";
import {
  approvalCount,
  blockingReason,
  promotionTransition,
  type PromotionStatus,
} from "@/lib/domain/promotions/gates";
import { startRolloutSchema } from "@/lib/schemas/rollouts";
import type { PromotionRefData } from "@/lib/schemas/promotions";
import { type DecisionResult, decisionResult } from "@/server/promotions/decide";
import {
  type LockedRequest,
  type PreJudged,
  TX_OPTIONS,
  adminApproved,
  assertCurrent,
  gateSubject,
  judgeBeforeLocking,
  lockRequest,
} from "@/server/promotions/request-row";

/**
 * The last approval landed (or a release manager retries an approved request): starts the
 * release when every gate passes, else records why it is blocked. Runs in the caller's
 * transaction, holding the request's row lock.
 */
export async function startOrBlock(
  tx: Tx,
  actor: Actor,
  meta: RequestMeta,
  row: LockedRequest,
  admin: boolean,
  approvers: string[],
  pre: PreJudged | null,
): Promise<{
  status: PromotionStatus;
  releaseId: string | null;
  blockedReason: string | null;
  kick: string[];
}> {
  const report =
    pre && pre.version === row.version && pre.adminApproved === admin
      ? pre.report
      : await evaluatePromotionGates(gateSubject(row, admin));
  const gates = report.gates as unknown as Prisma.InputJsonValue;
  const gatesEvaluatedAt = report.evaluatedAt;
  const block = async (reason: string) => {
    await tx.promotionRequest.update({
      where: { id: row.id },
      data: {
        status: "approved",
        blockedReason: reason,
        gates,
        gatesEvaluatedAt,
        decidedAt: clock.now(),
        version: { increment: 1 },
      },
    });
    return { status: "approved" as const, releaseId: null, blockedReason: reason, kick: [] };
  };
  const blocked = blockingReason(report.gates);
  if (blocked) return block(blocked);
  const budget = report.gates.find((g) => g.id === "budget");
  await lockModelReleases(tx, row.model.id);
  let release;
  try {
    release = await startReleaseInTransaction(tx, actor, meta, {
      model: row.model,
      version: row.modelVersion,
      input: startRolloutSchema.parse({
        model: row.model.name,
        version: row.modelVersion.version,
        fix: row.fix,
      }),
      budgetOverride: budget?.override ? row.justification : null,
      budgetWarning: budget?.status === "warn" ? budget.summary : null,
      environments: row.regions.map((r) => `${row.tier}/${r}`),
      promotion: { id: row.id, number: row.number, approvers },
    });
  } catch (error) {
    // The platform refused (another rollout in progress, a region gone): keep the approvals.
    if (error instanceof AppError) return block(error.message);
    throw error;
  }
  const transition = promotionTransition("approved", "start");
  if (!transition.ok) throw new AppError("CONFLICT", transition.reason);
  await tx.promotionRequest.update({
    where: { id: row.id },
    data: {
      status: transition.next,
      releaseId: release.releaseId,
      blockedReason: null,
      gates,
      gatesEvaluatedAt,
      decidedAt: clock.now(),
      version: { increment: 1 },
    },
  });
  await notifyPromotion(tx, row.id, "promotion.started", {
    actor: actor.email,
    reason: `Approved by ${approvers.join(", ")}.`,
  });
  return {
    status: transition.next,
    releaseId: release.releaseId,
    blockedReason: null,
    kick: release.kick,
  };
}

/**
 * Starts an approved request that a gate blocked, once the gates pass (release managers). When
 * a gate still fails, the request stays approved with the new reason.
 */
export async function startPromotion(
  actor: Actor | null,
  meta: RequestMeta,
  input: PromotionRefData,
): Promise<DecisionResult> {
  assertAllowed(actor, "promotion.approve");
  if (actor.kind !== "user") {
    throw new AppError("FORBIDDEN", "Promotions are started by people, not API tokens.");
  }
  // An admin starting a fix overrides an exhausted budget, as an admin's approval would.
  const admin = (r: LockedRequest) => actor.role === "admin" || adminApproved(r.approvals);
  const pre = await judgeBeforeLocking(input.requestId, (r) => r.status === "approved", admin);
  const result = await db().$transaction(async (tx) => {
    const row = await lockRequest(tx, input.requestId);
    assertAllowed(actor, "promotion.approve", row.model.teamId);
    if (row.requestedById === actor.id) {
      throw new AppError(
        "FORBIDDEN",
        "You requested this promotion; someone else must start it, as they approve it.",
      );
    }
    if (row.status === "started") {
      return { result: decisionResult(row, approvalCount(row.approvals), true), kick: [] };
    }
    assertCurrent(row, input.version);
    const transition = promotionTransition(row.status, "start");
    if (!transition.ok) throw new AppError("CONFLICT", transition.reason);
    const approvers = row.approvals.filter((a) => a.decision === "approve");
    const started = await startOrBlock(
      tx,
      actor,
      meta,
      row,
      admin(row),
      approvers.map((a) => a.approver.email),
      pre,
    );
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "promotion.start",
      targetType: "promotion",
      targetId: row.id,
      outcome: "allowed",
      before: { status: row.status, blockedReason: row.blockedReason },
      after: {
        number: row.number,
        status: started.status,
        ...(started.releaseId ? { releaseId: started.releaseId } : {}),
        ...(started.blockedReason ? { blockedReason: started.blockedReason } : {}),
      },
    });
    return {
      result: decisionResult({ ...row, ...started }, approvalCount(row.approvals), false),
      kick: started.kick,
    };
  }, TX_OPTIONS);
  applyStartedRollouts(result.kick);
  // Still blocked: the result says why (and the request records it), like the last approval.
  return result.result;
}
