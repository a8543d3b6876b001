import "server-only";
import { cache } from "react";
import { auth } from "@/server/auth/config";
import { db } from "@/server/db/client";
import { isRole, type Role } from "@/lib/domain/roles";
import { AppError } from "@/server/errors";

export interface Actor {
  id: string;
  email: string;
  name: string;
  role: Role | null;
  teamId: string | null;
  teamName: string | null;
}

/**
 * The signed-in user, re-read from the database on every request so that a role change,
 * removal or disabled account takes effect on the next request rather than at token expiry.
 */
export const getActor = cache(async (): Promise<Actor | null> => {
  const session = await auth();
  const id = session?.user?.id;
  if (!id) return null;
  const user = await db().user.findUnique({
    where: { id },
    select: {
      id: true,
      email: true,
      name: true,
      role: true,
      disabled: true,
      teamId: true,
      team: { select: { name: true } },
    },
  });
  if (!user || user.disabled) return null;
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    role: isRole(user.role) ? user.role : null,
    teamId: user.teamId,
    teamName: user.team?.name ?? null,
  };
});

export async function requireActor(): Promise<Actor> {
  const actor = await getActor();
  if (!actor) throw new AppError("UNAUTHENTICATED", "Sign in to continue.");
  return actor;
}
