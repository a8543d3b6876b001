import "server-only";
import { authorize, type Permission } from "@/lib/domain/access/policy";
import { AppError } from "@/server/errors";
import { principalOf, type Actor } from "@/server/auth/session";

/**
 * Throws unless the actor may use `permission` (on an object of `ownerTeamId` when given).
 * Every service calls this itself, whatever the caller already checked.
 */
export function assertAllowed(
  actor: Actor | null,
  permission: Permission,
  ownerTeamId?: string | null,
): asserts actor is Actor {
  if (!actor) throw new AppError("UNAUTHENTICATED", "Sign in to continue.");
  const decision = authorize(principalOf(actor), permission, ownerTeamId);
  if (!decision.allowed) throw new AppError("FORBIDDEN", decision.reason);
}

/** Whether the actor may use `permission` (on `ownerTeamId`'s object): for showing controls. */
export function isAllowed(
  actor: Actor | null,
  permission: Permission,
  ownerTeamId?: string | null,
): boolean {
  return actor !== null && authorize(principalOf(actor), permission, ownerTeamId).allowed;
}

/** Every read needs a role (or a token with fleet.read): deny by default. */
export function assertCanRead(actor: Actor | null): asserts actor is Actor {
  assertAllowed(actor, "fleet.read");
}
