import type { PrismaClient } from "../../src/generated/prisma/client";
import { loadUserActor, type Actor } from "../../src/server/auth/session";
import type { Role } from "../../src/lib/domain/access/roles";

let seq = 0;

/**
 * A person for a test: a real user row (services write it into audit rows and foreign keys)
 * and the Actor the services see, as a signed-in user would be. `team` is a team slug; `email`
 * defaults to a unique one, for tests that name the person in their assertions pass their own
 * (the row is reused when it exists).
 */
export async function person(
  prisma: PrismaClient,
  role: Role | null,
  options: { team?: string | null; email?: string; name?: string } = {},
): Promise<Actor> {
  const team = options.team
    ? await prisma.team.findUniqueOrThrow({ where: { slug: options.team }, select: { id: true } })
    : null;
  const email =
    options.email ?? `${role ?? "none"}-${Date.now().toString(36)}-${seq++}@people.test`;
  const user = await prisma.user.upsert({
    where: { email },
    create: { email, name: options.name ?? role ?? "no role", role, teamId: team?.id ?? null },
    update: {},
    select: { id: true },
  });
  const actor = await loadUserActor(user.id);
  if (!actor)
    throw new Error(`${email} cannot act (disabled, or a demo account with demo mode off)`);
  return actor;
}
