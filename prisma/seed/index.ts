import type { PrismaClient } from "../../src/generated/prisma/client";
import { floorToMinute } from "./common";
import { DEMO_SEED } from "./demo-data";
import { seedCapacityHistory } from "./capacity-history";
import { seedDemoFleet } from "./fleet";
import { largeFleetCounts, scaleOutFleet } from "./large";

// Any constant shared by all replicas; serialises first-start seeding across processes.
const SEED_LOCK_KEY = 7_402_118;

/** The demo fleet, or the large one: the demo scaled out 25 times (prisma/seed/large.ts). */
export type SeedScale = "demo" | "large";
export const SEED_SCALES: readonly SeedScale[] = ["demo", "large"];

/**
 * Seeds the fleet once, when the database has no regions. Runs in one transaction under an
 * advisory lock, so two replicas starting together seed once and a crash leaves nothing
 * half-done. The large fleet takes minutes; the demo about a second.
 */
export async function seedIfEmpty(
  prisma: PrismaClient,
  options: { seed?: number; now?: Date; scale?: SeedScale } = {},
): Promise<boolean> {
  const large = options.scale === "large";
  return prisma.$transaction(
    async (tx) => {
      await tx.$executeRaw`SELECT pg_advisory_xact_lock(${SEED_LOCK_KEY})`;
      if ((await tx.region.count()) > 0) return false;
      const now = floorToMinute(options.now ?? new Date());
      await seedDemoFleet(tx, { ...options, now });
      if (large) {
        await scaleOutFleet(tx, { seed: options.seed ?? DEMO_SEED, nowMs: now.getTime() });
        await seedCapacityHistory(tx, { nowMs: now.getTime() });
        await tx.auditEvent.create({
          data: {
            actorEmail: "system",
            actorRole: "system",
            action: "fleet.seed",
            targetType: "fleet",
            outcome: "allowed",
            after: { scale: "large", ...(await largeFleetCounts(tx)) },
            reason: "The demo fleet scaled out to the large fleet",
          },
        });
      }
      return true;
    },
    large ? { timeout: 30 * 60_000, maxWait: 60_000 } : { timeout: 300_000, maxWait: 60_000 },
  );
}
