import "server-only";
import { canRead } from "@/lib/domain/roles";
import { AppError } from "@/server/errors";
import type { Actor } from "@/server/auth/session";

/** Every read needs a role: a signed-in user without one sees nothing (deny by default). */
export function assertCanRead(actor: Actor | null): asserts actor is Actor {
  if (!actor) throw new AppError("UNAUTHENTICATED", "Sign in to continue.");
  if (!canRead(actor.role)) {
    throw new AppError("FORBIDDEN", "Your account has no role yet. Ask an admin to assign one.");
  }
}
