import "server-only";
import { clock } from "@/lib/clock";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import { lockRow } from "@/server/db/tx";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed, assertCanRead, isAllowed } from "@/server/access/authorize";
import type { Prisma } from "@/server/db/client";
import {
  evalThresholdsSchema,
  servingResourcesSchema,
  thresholdsFromText,
  thresholdsToText,
  type ServingResources,
} from "@/lib/domain/promotions/gates";
import { auditActor } from "@/server/access/audit-log";
import type {
  EnvironmentPolicyData,
  FreezeWindowData,
  ModelReleaseSettingsData,
} from "@/lib/schemas/promotions";

export interface EnvironmentPolicyRow {
  name: string;
  tier: "staging" | "production";
  region: string;
  requiredApprovals: number;
  soakMinutes: number;
  /** direct rollouts are refused here; changes arrive through promotion requests */
  promotionsOnly: boolean;
}

export interface FreezeRow {
  id: string;
  name: string;
  tier: "staging" | "production" | null;
  startsAt: Date;
  endsAt: Date;
  reason: string;
  createdBy: string;
}

/** The release calendar and each environment's approval and soak requirements. */
export async function releasePolicy(
  actor: Actor | null,
  now = clock.now(),
): Promise<{ environments: EnvironmentPolicyRow[]; freezes: FreezeRow[] }> {
  assertCanRead(actor);
  const [environments, freezes] = await Promise.all([
    db().environment.findMany({
      orderBy: [{ tier: "desc" }, { name: "asc" }],
      select: {
        name: true,
        tier: true,
        requiredApprovals: true,
        soakMinutes: true,
        promotionsOnly: true,
        region: { select: { code: true } },
      },
    }),
    db().freezeWindow.findMany({
      // current and upcoming, and those that ended in the last 30 days
      where: { endsAt: { gt: new Date(now.getTime() - 30 * 86_400_000) } },
      orderBy: { startsAt: "asc" },
      take: 200,
      select: {
        id: true,
        name: true,
        tier: true,
        startsAt: true,
        endsAt: true,
        reason: true,
        createdById: true,
      },
    }),
  ]);
  const creators = await db().user.findMany({
    where: { id: { in: [...new Set(freezes.map((f) => f.createdById))] } },
    select: { id: true, name: true },
  });
  const nameOf = new Map(creators.map((u) => [u.id, u.name]));
  return {
    environments: environments.map((e) => ({
      name: e.name,
      tier: e.tier,
      region: e.region.code,
      requiredApprovals: e.requiredApprovals,
      soakMinutes: e.soakMinutes,
      promotionsOnly: e.promotionsOnly,
    })),
    freezes: freezes.map(({ createdById, ...f }) => ({
      ...f,
      // a freeze the fleet configuration added from the command line: `cli:<os user>`
      createdBy:
        nameOf.get(createdById) ?? (createdById.startsWith("cli:") ? createdById : "unknown"),
    })),
  };
}

/**
 * Sets how many approvals and how much staging soak promotions into an environment need, and
 * whether it takes changes only through promotions (turning that off lets release managers
 * start rollouts there directly: an explicit, audited choice). Requests already open keep the
 * approval count they were made with.
 */
export async function setEnvironmentPolicy(
  actor: Actor | null,
  meta: RequestMeta,
  input: Omit<EnvironmentPolicyData, "promotionsOnly"> & { promotionsOnly?: boolean },
): Promise<{ environment: string; changed: boolean }> {
  assertAllowed(actor, "settings.manage");
  return db().$transaction(async (tx) => {
    const id = await lockRow(tx, "Environment", { name: input.environment });
    const env = id
      ? await tx.environment.findUnique({
          where: { id },
          select: { id: true, requiredApprovals: true, soakMinutes: true, promotionsOnly: true },
        })
      : null;
    if (!env) throw new AppError("NOT_FOUND", `No environment named ${input.environment}.`);
    const promotionsOnly = input.promotionsOnly ?? env.promotionsOnly;
    if (
      env.requiredApprovals === input.requiredApprovals &&
      env.soakMinutes === input.soakMinutes &&
      env.promotionsOnly === promotionsOnly
    ) {
      return { environment: input.environment, changed: false };
    }
    await tx.environment.update({
      where: { id: env.id },
      data: {
        requiredApprovals: input.requiredApprovals,
        soakMinutes: input.soakMinutes,
        promotionsOnly,
      },
    });
    const before = {
      requiredApprovals: env.requiredApprovals,
      soakMinutes: env.soakMinutes,
      promotionsOnly: env.promotionsOnly,
    };
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "environment_policy.update",
      targetType: "environment",
      targetId: env.id,
      outcome: "allowed",
      before,
      after: {
        requiredApprovals: input.requiredApprovals,
        soakMinutes: input.soakMinutes,
        promotionsOnly,
      },
      reason:
        env.promotionsOnly && !promotionsOnly
          ? `${input.environment} now takes direct rollouts, not only promotions`
          : null,
    });
    return { environment: input.environment, changed: true };
  });
}

/** Adds a change freeze to the calendar; the same freeze submitted twice is added once. */
export async function createFreeze(
  actor: Actor | null,
  meta: RequestMeta,
  input: FreezeWindowData,
): Promise<{ id: string; created: boolean }> {
  assertAllowed(actor, "settings.manage");
  const tier = input.tier === "all" ? null : input.tier;
  return db().$transaction(async (tx) => {
    await advisoryLock(tx, LOCKS.freezeCalendar());
    const same = await tx.freezeWindow.findFirst({
      where: { name: input.name, tier, startsAt: input.startsAt, endsAt: input.endsAt },
      select: { id: true },
    });
    if (same) return { id: same.id, created: false };
    const created = await tx.freezeWindow.create({
      data: {
        name: input.name,
        tier,
        startsAt: input.startsAt,
        endsAt: input.endsAt,
        reason: input.reason,
        createdById: actor.id,
      },
      select: { id: true },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "freeze.create",
      targetType: "freeze",
      targetId: created.id,
      outcome: "allowed",
      after: {
        name: input.name,
        tier: input.tier,
        startsAt: input.startsAt.toISOString(),
        endsAt: input.endsAt.toISOString(),
      },
      reason: input.reason,
    });
    return { id: created.id, created: true };
  });
}

/** Removes a freeze from the calendar (deleting it twice is harmless). */
export async function deleteFreeze(
  actor: Actor | null,
  meta: RequestMeta,
  id: string,
): Promise<{ deleted: boolean }> {
  assertAllowed(actor, "settings.manage");
  return db().$transaction(async (tx) => {
    const row = await tx.freezeWindow.findUnique({
      where: { id },
      select: { id: true, name: true, tier: true, startsAt: true, endsAt: true, reason: true },
    });
    if (!row) return { deleted: false };
    // A concurrent removal (a double-click) may have taken it between the read and here.
    const { count } = await tx.freezeWindow.deleteMany({ where: { id } });
    if (count === 0) return { deleted: false };
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "freeze.delete",
      targetType: "freeze",
      targetId: id,
      outcome: "allowed",
      before: {
        name: row.name,
        tier: row.tier,
        startsAt: row.startsAt.toISOString(),
        endsAt: row.endsAt.toISOString(),
        reason: row.reason,
      },
    });
    return { deleted: true };
  });
}

export interface ModelReleaseSettingsRow {
  model: string;
  displayName: string;
  teamName: string;
  /** the eval thresholds, one per line */
  thresholds: string;
  resources: ServingResources | null;
  /** the actor may change them (the model team's release managers, or an admin) */
  canEdit: boolean;
}

/** Each model's promotion bar (eval thresholds) and serving resources. */
export async function modelReleaseSettings(
  actor: Actor | null,
): Promise<ModelReleaseSettingsRow[]> {
  assertCanRead(actor);
  const models = await db().model.findMany({
    orderBy: { name: "asc" },
    select: {
      name: true,
      displayName: true,
      teamId: true,
      evalThresholds: true,
      resources: true,
      team: { select: { name: true } },
    },
  });
  return models.map((m) => {
    const thresholds = evalThresholdsSchema.safeParse(m.evalThresholds ?? []);
    const resources = servingResourcesSchema.safeParse(m.resources);
    return {
      model: m.name,
      displayName: m.displayName,
      teamName: m.team.name,
      thresholds: thresholds.success ? thresholdsToText(thresholds.data) : "",
      resources: resources.success ? resources.data : null,
      canEdit: isAllowed(actor, "promotion.approve", m.teamId),
    };
  });
}

/**
 * Sets a model's eval thresholds and serving resources: the model team's release managers (or
 * an admin) own the bar its promotions must clear. Saving the same settings changes nothing.
 */
export async function setModelReleaseSettings(
  actor: Actor | null,
  meta: RequestMeta,
  input: ModelReleaseSettingsData,
): Promise<{ model: string; changed: boolean }> {
  assertAllowed(actor, "promotion.approve");
  const parsed = thresholdsFromText(input.thresholds);
  if (!parsed.ok) throw new AppError("INVALID_INPUT", parsed.error);
  const resources = { gpu: input.gpu, cpu: input.cpu, memoryGi: input.memoryGi };
  return db().$transaction(async (tx) => {
    const id = await lockRow(tx, "Model", { name: input.model });
    const model = id
      ? await tx.model.findUnique({
          where: { id },
          select: { id: true, teamId: true, evalThresholds: true, resources: true },
        })
      : null;
    if (!model) throw new AppError("NOT_FOUND", `No model named ${input.model}.`);
    assertAllowed(actor, "promotion.approve", model.teamId);
    // jsonb reorders keys, so compare canonical forms rather than the stored JSON text.
    const stored = evalThresholdsSchema.safeParse(model.evalThresholds ?? []);
    const storedResources = servingResourcesSchema.safeParse(model.resources);
    const same =
      stored.success &&
      thresholdsToText(stored.data) === thresholdsToText(parsed.thresholds) &&
      storedResources.success &&
      storedResources.data.gpu === resources.gpu &&
      storedResources.data.cpu === resources.cpu &&
      storedResources.data.memoryGi === resources.memoryGi;
    if (same) return { model: input.model, changed: false };
    await tx.model.update({
      where: { id: model.id },
      data: {
        evalThresholds: parsed.thresholds as unknown as Prisma.InputJsonValue,
        resources,
      },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "model_release_settings.update",
      targetType: "model",
      targetId: model.id,
      outcome: "allowed",
      before: {
        evalThresholds: (model.evalThresholds ?? null) as Prisma.InputJsonValue,
        resources: (model.resources ?? null) as Prisma.InputJsonValue,
      },
      after: {
        evalThresholds: parsed.thresholds as unknown as Prisma.InputJsonValue,
        resources,
      },
    });
    return { model: input.model, changed: true };
  });
}
