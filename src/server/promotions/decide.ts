import "server-only";
import { notifyPromotion } from "@/server/notifications/subjects";
import { clock } from "@/lib/clock";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import { principalOf } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import { applyStartedRollouts } from "@/server/rollouts/apply-now";
import { approvalCount, canDecide, type PromotionStatus } from "@/lib/domain/promotions/gates";
import type { DecidePromotionData } from "@/lib/schemas/promotions";
import {
  type LockedRequest,
  TX_OPTIONS,
  adminApproved,
  assertCurrent,
  judgeBeforeLocking,
  lockRequest,
} from "@/server/promotions/request-row";
import { startOrBlock } from "@/server/promotions/start";

export interface DecisionResult {
  number: number;
  status: PromotionStatus;
  approvals: number;
  requiredApprovals: number;
  releaseId: string | null;
  blockedReason: string | null;
  alreadyDecided: boolean;
}

export function decisionResult(
  row: Pick<
    LockedRequest,
    "number" | "status" | "requiredApprovals" | "releaseId" | "blockedReason"
  >,
  approvals: number,
  alreadyDecided: boolean,
): DecisionResult {
  return {
    number: row.number,
    status: row.status,
    approvals,
    requiredApprovals: row.requiredApprovals,
    releaseId: row.releaseId,
    blockedReason: row.blockedReason,
    alreadyDecided,
  };
}

/**
 * Approves or rejects a request. Each release manager decides once (a double-click is
 * harmless); the requester never decides; a request changed or withdrawn meanwhile fails with a
 * conflict. The approval that completes the count starts the release when every gate passes.
 */
export async function decidePromotion(
  actor: Actor | null,
  meta: RequestMeta,
  input: DecidePromotionData,
): Promise<DecisionResult> {
  assertAllowed(actor, "promotion.approve");
  if (actor.kind !== "user") {
    throw new AppError("FORBIDDEN", "Promotions are approved by people, not API tokens.");
  }
  const asAdmin = actor.role === "admin";
  const pre =
    input.decision === "approve"
      ? await judgeBeforeLocking(
          input.requestId,
          (r) =>
            r.status === "pending" &&
            !r.approvals.some((a) => a.approverId === actor.id) &&
            approvalCount(r.approvals) + 1 >= r.requiredApprovals,
          (r) => asAdmin || adminApproved(r.approvals),
        )
      : null;
  const result = await db().$transaction(async (tx) => {
    const row = await lockRequest(tx, input.requestId);
    assertAllowed(actor, "promotion.approve", row.model.teamId);
    const mine = row.approvals.find((a) => a.approverId === actor.id);
    if (mine && mine.decision === input.decision) {
      return { result: decisionResult(row, approvalCount(row.approvals), true), kick: [] };
    }
    assertCurrent(row, input.version);
    const decision = canDecide(principalOf(actor), actor.id, {
      requestedById: row.requestedById,
      status: row.status,
      modelTeamId: row.model.teamId,
      approvals: row.approvals,
    });
    if (!decision.allowed) {
      throw new AppError(
        row.requestedById === actor.id ? "FORBIDDEN" : "CONFLICT",
        decision.reason,
      );
    }
    await tx.promotionApproval.create({
      data: {
        requestId: row.id,
        approverId: actor.id,
        decision: input.decision,
        asAdmin,
        comment: input.comment,
      },
    });
    const approvals = [...row.approvals, { approverId: actor.id, decision: input.decision }];
    const count = approvalCount(approvals);
    const audit = {
      ...auditActor(actor, meta),
      targetType: "promotion",
      targetId: row.id,
      outcome: "allowed" as const,
      reason: input.comment || null,
    };

    if (input.decision === "reject") {
      await tx.promotionRequest.update({
        where: { id: row.id },
        data: { status: "rejected", decidedAt: clock.now(), version: { increment: 1 } },
      });
      await notifyPromotion(tx, row.id, "promotion.rejected", {
        actor: actor.email,
        reason: input.comment || null,
      });
      await appendAudit(tx, {
        ...audit,
        action: "promotion.reject",
        before: { status: row.status },
        after: { number: row.number, status: "rejected" },
      });
      return {
        result: decisionResult({ ...row, status: "rejected" }, count, false),
        kick: [],
      };
    }
    if (count < row.requiredApprovals) {
      await appendAudit(tx, {
        ...audit,
        action: "promotion.approve",
        after: { number: row.number, approvals: count, requiredApprovals: row.requiredApprovals },
      });
      return { result: decisionResult(row, count, false), kick: [] };
    }
    await notifyPromotion(tx, row.id, "promotion.approved", {
      actor: actor.email,
      reason: input.comment || null,
    });
    const started = await startOrBlock(
      tx,
      actor,
      meta,
      row,
      asAdmin || adminApproved(row.approvals),
      [
        ...row.approvals.filter((a) => a.decision === "approve").map((a) => a.approver.email),
        actor.email,
      ],
      pre,
    );
    await appendAudit(tx, {
      ...audit,
      action: "promotion.approve",
      before: { status: row.status },
      after: {
        number: row.number,
        approvals: count,
        requiredApprovals: row.requiredApprovals,
        status: started.status,
        ...(started.releaseId ? { releaseId: started.releaseId } : {}),
        ...(started.blockedReason ? { blockedReason: started.blockedReason } : {}),
      },
    });
    return {
      result: decisionResult({ ...row, ...started }, count, false),
      kick: started.kick,
    };
  }, TX_OPTIONS);
  applyStartedRollouts(result.kick);
  return result.result;
}
