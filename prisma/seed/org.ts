import { hash } from "@node-rs/bcrypt";
import { PASSWORD_HASH_COST } from "../../src/lib/domain/access/passwords";
import { DEMO_PASSWORD } from "../../src/lib/demo";
import { lookup, type Tx } from "./common";
import { DEMO_USERS, TEAMS } from "./demo-data";

export interface Org {
  /** by slug */
  teamIds: ReadonlyMap<string, string>;
  /** by email */
  userIds: ReadonlyMap<string, string>;
}

/** Teams and the demo users (one per role). */
export async function seedOrg(tx: Tx): Promise<Org> {
  const teamIds = new Map<string, string>();
  for (const t of TEAMS) {
    const team = await tx.team.create({ data: { slug: t.slug, name: t.name } });
    teamIds.set(t.slug, team.id);
  }
  // Same cost as passwords set in the app, so timing reveals nothing.
  const passwordHash = await hash(DEMO_PASSWORD, PASSWORD_HASH_COST);
  const users = await tx.user.createManyAndReturn({
    data: DEMO_USERS.map((u) => ({
      email: u.email,
      name: u.name,
      role: u.role,
      teamId: u.team ? lookup(teamIds, u.team, "team") : null,
      passwordHash,
      demo: true,
    })),
    select: { id: true, email: true },
  });
  return { teamIds, userIds: new Map(users.map((u) => [u.email, u.id])) };
}
