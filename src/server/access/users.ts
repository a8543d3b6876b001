import "server-only";
import { advisoryLock, LOCKS } from "@/server/db/locks";
import type { Tx } from "@/server/db/tx";
import { hash } from "@node-rs/bcrypt";
import { PASSWORD_HASH_COST } from "@/lib/domain/access/passwords";
import { db } from "@/server/db/client";
import { appendAudit } from "@/server/db/audit";
import type { Actor } from "@/server/auth/session";
import type { RequestMeta } from "@/server/http/request-meta";
import { AppError } from "@/server/errors";
import { assertAllowed } from "@/server/access/authorize";
import { auditActor } from "@/server/access/audit-log";
import { PAGE_SIZE } from "@/lib/schemas/list-query";
import { pageWindow, toPage, type Page } from "@/lib/domain/navigation/pagination";
import { isRole, type Role } from "@/lib/domain/access/roles";
import {
  type CreateUserData,
  type SetUserDisabledData,
  type UpdateUserData,
} from "@/lib/schemas/users";
import { isUniqueViolation } from "@/server/db/violations";

export interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role | null;
  teamId: string | null;
  teamName: string | null;
  disabled: boolean;
  demo: boolean;
  authProvider: string;
  version: number;
  createdAt: Date;
}

const userSelect = {
  id: true,
  email: true,
  name: true,
  role: true,
  teamId: true,
  team: { select: { name: true } },
  disabled: true,
  demo: true,
  authProvider: true,
  version: true,
  createdAt: true,
} as const;

type UserRecord = {
  id: string;
  email: string;
  name: string;
  role: string | null;
  teamId: string | null;
  team: { name: string } | null;
  disabled: boolean;
  demo: boolean;
  authProvider: string;
  version: number;
  createdAt: Date;
};

function toRow(u: UserRecord): UserRow {
  return {
    id: u.id,
    email: u.email,
    name: u.name,
    role: isRole(u.role) ? u.role : null,
    teamId: u.teamId,
    teamName: u.team?.name ?? null,
    disabled: u.disabled,
    demo: u.demo,
    authProvider: u.authProvider,
    version: u.version,
    createdAt: u.createdAt,
  };
}

export async function listUsers(
  actor: Actor | null,
  query: { page: number },
): Promise<Page<UserRow>> {
  assertAllowed(actor, "user.manage");
  const total = await db().user.count();
  const { page, skip, take } = pageWindow(query.page, PAGE_SIZE, total);
  const users = await db().user.findMany({
    orderBy: { email: "asc" },
    skip,
    take,
    select: userSelect,
  });
  return toPage(users.map(toRow), total, page, PAGE_SIZE);
}

export async function listTeams(actor: Actor | null) {
  assertAllowed(actor, "fleet.read");
  return db().team.findMany({
    orderBy: { name: "asc" },
    select: { id: true, slug: true, name: true },
  });
}

async function assertTeamExists(teamId: string | null) {
  if (teamId && !(await db().team.findUnique({ where: { id: teamId }, select: { id: true } }))) {
    throw new AppError("INVALID_INPUT", "That team does not exist.");
  }
}

const summary = (u: { role: string | null; teamId: string | null; disabled: boolean }) => ({
  role: u.role,
  teamId: u.teamId,
  disabled: u.disabled,
});

/**
 * Applies a change to a user under optimistic concurrency (the caller's `version` must still be
 * current) and audits it with before/after, all inside the caller's transaction.
 */
async function applyVersionedChange(
  tx: Tx,
  actor: Actor,
  meta: RequestMeta,
  current: UserRecord,
  version: number,
  data: { role?: Role | null; teamId?: string | null; disabled?: boolean },
  action: string,
): Promise<UserRow> {
  const losesAdmin =
    current.role === "admin" &&
    !current.disabled &&
    ((data.role !== undefined && data.role !== "admin") || data.disabled === true);
  if (losesAdmin) {
    // Serialise admin removals so two admins cannot demote each other at once.
    await advisoryLock(tx, LOCKS.admins());
    const others = await tx.user.count({
      where: { role: "admin", disabled: false, id: { not: current.id } },
    });
    if (others === 0) {
      throw new AppError(
        "INVALID_INPUT",
        "Flightdeck needs at least one enabled admin: make someone else admin first.",
      );
    }
  }
  const updated = await tx.user.updateMany({
    where: { id: current.id, version },
    data: { ...data, version: { increment: 1 } },
  });
  if (updated.count === 0) {
    throw new AppError(
      "CONFLICT",
      "Someone else changed this user since you loaded the page. Reload and try again.",
    );
  }
  const after = await tx.user.findUniqueOrThrow({ where: { id: current.id }, select: userSelect });
  await appendAudit(tx, {
    ...auditActor(actor, meta),
    action,
    targetType: "user",
    targetId: current.id,
    outcome: "allowed",
    before: summary(current),
    after: summary(after),
  });
  return toRow(after);
}

export async function createUser(actor: Actor | null, meta: RequestMeta, input: CreateUserData) {
  assertAllowed(actor, "user.manage");
  await assertTeamExists(input.teamId);
  const passwordHash = await hash(input.password, PASSWORD_HASH_COST);
  try {
    return await db().$transaction(async (tx) => {
      const user = await tx.user.create({
        data: {
          email: input.email,
          name: input.name,
          role: input.role,
          teamId: input.teamId,
          passwordHash,
        },
        select: userSelect,
      });
      await appendAudit(tx, {
        ...auditActor(actor, meta),
        action: "user.create",
        targetType: "user",
        targetId: user.id,
        outcome: "allowed",
        after: { email: user.email, ...summary(user) },
      });
      return toRow(user);
    });
  } catch (error) {
    if (isUniqueViolation(error)) {
      throw new AppError("CONFLICT", `A user with the email ${input.email} already exists.`);
    }
    throw error;
  }
}

/**
 * Changes a user's role and team. Optimistic concurrency: the caller sends the version it
 * saw; if someone changed the user since, the update is refused rather than overwritten.
 * Repeating the same change (a double-click) is a no-op that succeeds.
 */
export async function updateUser(actor: Actor | null, meta: RequestMeta, input: UpdateUserData) {
  assertAllowed(actor, "user.manage");
  await assertTeamExists(input.teamId);
  return db().$transaction(async (tx) => {
    const current = await tx.user.findUnique({ where: { id: input.userId }, select: userSelect });
    if (!current) throw new AppError("NOT_FOUND", "That user does not exist.");
    if (current.role === input.role && current.teamId === input.teamId) return toRow(current);
    if (current.id === actor.id && input.role !== "admin") {
      throw new AppError(
        "INVALID_INPUT",
        "You cannot remove your own admin role; ask another admin.",
      );
    }
    return applyVersionedChange(
      tx,
      actor,
      meta,
      current,
      input.version,
      { role: input.role, teamId: input.teamId },
      "user.update",
    );
  });
}

export async function setUserDisabled(
  actor: Actor | null,
  meta: RequestMeta,
  input: SetUserDisabledData,
) {
  assertAllowed(actor, "user.manage");
  return db().$transaction(async (tx) => {
    const current = await tx.user.findUnique({ where: { id: input.userId }, select: userSelect });
    if (!current) throw new AppError("NOT_FOUND", "That user does not exist.");
    if (current.disabled === input.disabled) return toRow(current);
    if (current.id === actor.id && input.disabled) {
      throw new AppError("INVALID_INPUT", "You cannot disable your own account.");
    }
    return applyVersionedChange(
      tx,
      actor,
      meta,
      current,
      input.version,
      { disabled: input.disabled },
      input.disabled ? "user.disable" : "user.enable",
    );
  });
}
