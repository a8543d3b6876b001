import "server-only";
import { cache } from "react";
import { headers } from "next/headers";
import { auth } from "@/server/auth/config";
import { SessionCache, sessionCookieKey } from "@/lib/session-cache";
import { db } from "@/server/db/client";
import { isRole, type Role } from "@/lib/domain/access/roles";
import type { Principal } from "@/lib/domain/access/policy";
import { AppError } from "@/server/errors";
import { demoMode } from "@/server/demo-mode";
import { setDisplayZone } from "@/lib/display-zone";

/** Who is acting: a signed-in user, or an API token used by automation. */
export interface Actor {
  kind: "user" | "token";
  /** the user's id, or the token's id */
  id: string;
  /** the user's email, or "token:<name>" */
  email: string;
  name: string;
  /** null for tokens, and for users nobody has given a role */
  role: Role | null;
  teamId: string | null;
  teamName: string | null;
  /** the IANA time zone a user reads times in; null is UTC */
  timeZone?: string | null;
  /** a token's scopes */
  scopes?: readonly string[];
}

export function principalOf(actor: Actor): Principal {
  if (actor.kind === "token") {
    return { kind: "token", scopes: actor.scopes ?? [], teamId: actor.teamId ?? "" };
  }
  return { kind: "user", role: actor.role, teamId: actor.teamId };
}

/** Loads a user as an Actor, or null when the user is unknown or disabled. */
export async function loadUserActor(id: string): Promise<Actor | null> {
  // One statement with the team's name (every page and request runs it): as a relation of the
  // user, the team was a second round trip.
  const [user] = await db().$queryRaw<
    {
      id: string;
      email: string;
      name: string;
      role: string | null;
      disabled: boolean;
      demo: boolean;
      teamId: string | null;
      teamName: string | null;
      timeZone: string | null;
    }[]
  >`
    SELECT u.id, u.email, u.name, u.role::text AS role, u.disabled, u.demo, u."teamId",
           t.name AS "teamName", u."timeZone"
    FROM "User" u LEFT JOIN "Team" t ON t.id = u."teamId"
    WHERE u.id = ${id}`;
  // Turning demo mode off ends demo sessions too, not only new demo sign-ins.
  if (!user || user.disabled || (user.demo && !demoMode())) return null;
  return {
    kind: "user",
    id: user.id,
    email: user.email,
    name: user.name,
    role: isRole(user.role) ? user.role : null,
    teamId: user.teamId,
    teamName: user.teamName,
    timeZone: user.timeZone,
  };
}

/** Session cookies decoded in the last 30 s (see SessionCache), shared by this process. */
const sessions = ((
  globalThis as unknown as { flightdeckSessions?: SessionCache }
).flightdeckSessions ??= new SessionCache({ ttlMs: 30_000, maxEntries: 10_000 }));

/** The id of the user the request's session cookie names, or null. */
async function sessionUserId(): Promise<string | null> {
  const key = sessionCookieKey((await headers()).get("cookie"));
  if (key === null) return null;
  const resolve = async () => {
    const session = await auth();
    return { userId: session?.user?.id ?? null, expiresAt: session?.tokenExpiresAt ?? null };
  };
  // Session cookies whose reading depends on more than the header: Auth.js alone, every time.
  if (key === undefined) return (await resolve()).userId;
  return sessions.userId(key, resolve);
}

/**
 * The signed-in user, re-read from the database on every request so that a role change,
 * removal or disabled account takes effect on the next request rather than at token expiry.
 */
export const getActor = cache(async (): Promise<Actor | null> => {
  const id = await sessionUserId();
  const actor = id ? await loadUserActor(id) : null;
  // Every page, layout and template reads the actor before it renders a time.
  setDisplayZone(actor?.timeZone);
  return actor;
});

export async function requireActor(): Promise<Actor> {
  const actor = await getActor();
  if (!actor) throw new AppError("UNAUTHENTICATED", "Sign in to continue.");
  return actor;
}
