import type { PrismaClient } from "../../src/generated/prisma/client";

/**
 * Production takes changes only through promotions by default. Tests of the rollout engine,
 * analysis and commands start rollouts directly, as a team that turned the rule off for those
 * environments would (the explicit, audited setting on the Release policy page); this does the
 * same to the rows, so those tests keep exercising what they are about.
 */
export async function allowDirectChanges(prisma: PrismaClient, environments: string[]) {
  await prisma.environment.updateMany({
    where: { name: { in: environments } },
    data: { promotionsOnly: false },
  });
}

/** The default rule, for tests that rely on it whatever other files opened before them. */
export async function requirePromotions(prisma: PrismaClient, environments: string[]) {
  await prisma.environment.updateMany({
    where: { name: { in: environments } },
    data: { promotionsOnly: true },
  });
}
