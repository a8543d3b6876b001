import type { PrismaClient } from "../../src/generated/prisma/client";
import { seedDemoFleet } from "./fleet";

// Any constant shared by all replicas; serialises first-start seeding across processes.
const SEED_LOCK_KEY = 7_402_118;

/**
 * Seeds the demo fleet once, when the database has no regions. Runs in one transaction under
 * an advisory lock, so two replicas starting together seed once and a crash leaves nothing half-done.
 */
export async function seedIfEmpty(
  prisma: PrismaClient,
  options: { seed?: number; now?: Date } = {},
): Promise<boolean> {
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SEED_LOCK_KEY})`;
      if ((await tx.region.count()) > 0) return false;
      await seedDemoFleet(tx, options);
      return true;
    },
    { timeout: 300_000, maxWait: 60_000 },
  );
}
