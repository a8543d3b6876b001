import "server-only";
import { redirect } from "next/navigation";
import { getActor, type Actor } from "@/server/auth/session";

/**
 * For pages: the signed-in actor with a role, or a redirect (to sign in, or to the no-access
 * page). Layouts and pages render in parallel, so each page checks for itself.
 */
export async function requirePageActor(): Promise<Actor> {
  const actor = await getActor();
  if (!actor) redirect("/sign-in");
  if (!actor.role) redirect("/no-access");
  return actor;
}
