import "server-only";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/services/context";
import { AppError } from "@/server/errors";
import { assertAllowed, assertCanRead } from "@/server/services/access";
import { auditActor } from "@/server/services/audit";
import type { EnvironmentPolicyData, FreezeWindowData } from "@/lib/schemas/promotions";

export interface EnvironmentPolicyRow {
  name: string;
  tier: "staging" | "production";
  region: string;
  requiredApprovals: number;
  soakMinutes: number;
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
  now = new Date(),
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
    })),
    freezes: freezes.map(({ createdById, ...f }) => ({
      ...f,
      createdBy: nameOf.get(createdById) ?? "unknown",
    })),
  };
}

/**
 * Sets how many approvals and how much staging soak promotions into an environment need.
 * Requests already open keep the approval count they were made with.
 */
export async function setEnvironmentPolicy(
  actor: Actor | null,
  meta: RequestMeta,
  input: EnvironmentPolicyData,
): Promise<{ environment: string; changed: boolean }> {
  assertAllowed(actor, "settings.manage");
  return db().$transaction(async (tx) => {
    const rows = await tx.$queryRaw<
      { id: string; requiredApprovals: number; soakMinutes: number }[]
    >`SELECT id, "requiredApprovals", "soakMinutes" FROM "Environment" WHERE name = ${input.environment} FOR UPDATE`;
    const env = rows[0];
    if (!env) throw new AppError("NOT_FOUND", `No environment named ${input.environment}.`);
    if (
      env.requiredApprovals === input.requiredApprovals &&
      env.soakMinutes === input.soakMinutes
    ) {
      return { environment: input.environment, changed: false };
    }
    await tx.environment.update({
      where: { id: env.id },
      data: { requiredApprovals: input.requiredApprovals, soakMinutes: input.soakMinutes },
    });
    await appendAudit(tx, {
      ...auditActor(actor, meta),
      action: "environment_policy.update",
      targetType: "environment",
      targetId: env.id,
      outcome: "allowed",
      before: { requiredApprovals: env.requiredApprovals, soakMinutes: env.soakMinutes },
      after: { requiredApprovals: input.requiredApprovals, soakMinutes: input.soakMinutes },
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
    await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext('flightdeck:freeze-calendar'))`;
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
    await tx.freezeWindow.delete({ where: { id } });
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
