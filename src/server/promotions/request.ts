import "server-only";
import { notifyPromotion } from "@/server/notifications/subjects";
import { clock } from "@/lib/clock";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { type Tx } from "@/server/db/tx";
import { db, Prisma } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import { isUniqueViolation } from "@/server/db/violations";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import {
  promotionTransition,
  requiredApprovals,
  type PromotionStatus,
} from "@/lib/domain/promotions/gates";
import type {
  CreatePromotionData,
  EditPromotionData,
  PromotionRefData,
} from "@/lib/schemas/promotions";
import { TX_OPTIONS, assertCurrent, lockRequest } from "@/server/promotions/request-row";

async function targetEnvironments(
  client: Tx,
  modelId: string,
  modelName: string,
  tier: "staging" | "production",
  requested: string[],
) {
  const available = await regionsOfIn(client, modelId, tier);
  if (available.length === 0) {
    throw new AppError("INVALID_INPUT", `${modelName} does not run in ${tier} anywhere.`);
  }
  const regions = requested.length === 0 ? available : requested;
  const unknown = regions.filter((r) => !available.includes(r));
  if (unknown.length > 0) {
    throw new AppError(
      "INVALID_INPUT",
      `${modelName} does not run in ${unknown.map((r) => `${tier}/${r}`).join(", ")}; choose from ${available.join(", ")}.`,
    );
  }
  const envs = await client.environment.findMany({
    where: { tier, region: { code: { in: regions } } },
    select: { requiredApprovals: true },
  });
  return { regions: [...regions].sort(), required: requiredApprovals(envs) };
}

async function regionsOfIn(client: Tx, modelId: string, tier: "staging" | "production") {
  const rows = await client.deployment.findMany({
    where: { modelId, environment: { tier } },
    select: { environment: { select: { region: { select: { code: true } } } } },
  });
  return [...new Set(rows.map((r) => r.environment.region.code))].sort();
}

/**
 * Asks to promote a version into a tier. Only release managers of the model's team (or admins);
 * one open request per version and tier; the same request submitted twice returns the first.
 */
export async function createPromotion(
  actor: Actor | null,
  meta: RequestMeta,
  input: CreatePromotionData,
): Promise<{ number: number; created: boolean }> {
  assertAllowed(actor, "promotion.request");
  if (actor.kind !== "user") {
    throw new AppError("FORBIDDEN", "Promotions are requested by people, not API tokens.");
  }
  const model = await db().model.findUnique({
    where: { name: input.model },
    select: { id: true, name: true, teamId: true },
  });
  if (!model) throw new AppError("NOT_FOUND", `No model named ${input.model}.`);
  assertAllowed(actor, "promotion.request", model.teamId);
  const version = await db().modelVersion.findFirst({
    where: { modelId: model.id, version: input.version },
    select: { id: true, version: true },
  });
  if (!version) {
    throw new AppError("INVALID_INPUT", `${model.name} has no version ${input.version}.`);
  }
  try {
    return await db().$transaction(async (tx) => {
      await advisoryLock(tx, LOCKS.promotionRequest(version.id, input.tier));
      const { regions, required } = await targetEnvironments(
        tx,
        model.id,
        model.name,
        input.tier,
        input.regions,
      );
      const open = await tx.promotionRequest.findFirst({
        where: {
          modelVersionId: version.id,
          tier: input.tier,
          status: { in: ["pending", "approved"] },
        },
        select: {
          number: true,
          requestedById: true,
          regions: true,
          fix: true,
          justification: true,
        },
      });
      if (open) {
        const same =
          open.requestedById === actor.id &&
          open.regions.join(",") === regions.join(",") &&
          open.fix === input.fix &&
          open.justification === input.justification;
        if (same) return { number: open.number, created: false };
        throw new AppError(
          "CONFLICT",
          `Request #${open.number} to promote ${model.name} ${version.version} to ${input.tier} is already open; change or withdraw that one.`,
        );
      }
      const serving = await tx.deployment.findMany({
        where: {
          modelVersionId: version.id,
          trafficWeight: 100,
          environment: { tier: input.tier, region: { code: { in: regions } } },
        },
        select: { environment: { select: { region: { select: { code: true } } } } },
      });
      const servingRegions = new Set(serving.map((d) => d.environment.region.code));
      if (regions.every((r) => servingRegions.has(r))) {
        throw new AppError(
          "INVALID_INPUT",
          `${model.name} ${version.version} already serves all ${input.tier} traffic in ${regions.join(", ")}.`,
        );
      }
      const created = await tx.promotionRequest.create({
        data: {
          modelId: model.id,
          modelVersionId: version.id,
          tier: input.tier,
          regions,
          fix: input.fix,
          justification: input.justification,
          requiredApprovals: required,
          requestedById: actor.id,
        },
        select: { id: true, number: true },
      });
      await notifyPromotion(tx, created.id, "promotion.requested", { actor: actor.email });
      await appendAudit(tx, {
        ...auditActor(actor, meta),
        action: "promotion.request",
        targetType: "promotion",
        targetId: created.id,
        outcome: "allowed",
        after: {
          number: created.number,
          model: model.name,
          version: version.version,
          tier: input.tier,
          regions,
          fix: input.fix,
          requiredApprovals: required,
        },
        reason: input.justification,
      });
      return { number: created.number, created: true };
    });
  } catch (error) {
    // Another requester's identical request won the partial unique index.
    if (isUniqueViolation(error)) {
      throw new AppError(
        "CONFLICT",
        `A request to promote ${model.name} ${version.version} to ${input.tier} is already open.`,
      );
    }
    throw error;
  }
}

/**
 * The requester changes an open request (regions, fix, justification). Approvals given to the
 * old content no longer count, and approvals in flight fail with a conflict.
 */
export async function editPromotion(
  actor: Actor | null,
  meta: RequestMeta,
  input: EditPromotionData,
): Promise<{ number: number; changed: boolean }> {
  assertAllowed(actor, "promotion.request");
  return db().$transaction(async (tx) => {
    const row = await lockRequest(tx, input.requestId);
    if (actor.id !== row.requestedById) {
      throw new AppError("FORBIDDEN", "Only the requester may change a promotion request.");
    }
    assertAllowed(actor, "promotion.request", row.model.teamId);
    assertCurrent(row, input.version);
    const transition = promotionTransition(row.status, "edit");
    if (!transition.ok) throw new AppError("CONFLICT", transition.reason);
    const { regions, required } = await targetEnvironments(
      tx,
      row.model.id,
      row.model.name,
      row.tier,
      input.regions,
    );
    const unchanged =
      regions.join(",") === row.regions.join(",") &&
      input.fix === row.fix &&
      input.justification === row.justification;
    if (unchanged) return { number: row.number, changed: false };
    await tx.promotionApproval.deleteMany({ where: { requestId: row.id } });
    await tx.promotionRequest.update({
      where: { id: row.id },
      data: {
        regions,
        fix: input.fix,
        justification: input.justification,
        requiredApprovals: required,
        status: transition.next,
        blockedReason: null,
        gates: Prisma.DbNull,
        gatesEvaluatedAt: null,
        decidedAt: null,
        version: { increment: 1 },
      },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "promotion.edit",
      targetType: "promotion",
      targetId: row.id,
      outcome: "allowed",
      before: {
        regions: row.regions,
        fix: row.fix,
        justification: row.justification,
        approvalsCleared: row.approvals.length,
      },
      after: { regions, fix: input.fix, justification: input.justification },
    });
    return { number: row.number, changed: true };
  }, TX_OPTIONS);
}

/** The requester (or an admin) withdraws an open request; withdrawing twice is harmless. */
export async function withdrawPromotion(
  actor: Actor | null,
  meta: RequestMeta,
  input: PromotionRefData,
): Promise<{ number: number; status: PromotionStatus }> {
  assertAllowed(actor, "promotion.request");
  return db().$transaction(async (tx) => {
    const row = await lockRequest(tx, input.requestId);
    if (actor.id !== row.requestedById && actor.role !== "admin") {
      throw new AppError("FORBIDDEN", "Only the requester or an admin may withdraw a request.");
    }
    if (row.status === "withdrawn") return { number: row.number, status: row.status };
    assertCurrent(row, input.version);
    const transition = promotionTransition(row.status, "withdraw");
    if (!transition.ok) throw new AppError("CONFLICT", transition.reason);
    await tx.promotionRequest.update({
      where: { id: row.id },
      data: { status: transition.next, decidedAt: clock.now(), version: { increment: 1 } },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "promotion.withdraw",
      targetType: "promotion",
      targetId: row.id,
      outcome: "allowed",
      before: { status: row.status },
      after: { number: row.number, status: transition.next },
    });
    return { number: row.number, status: transition.next };
  }, TX_OPTIONS);
}
