// The simulator and the fleet sync at the large fleet's size (prisma/seed/large.ts: 200
// clusters, 3,000 deployments, 1,000 training jobs): what the worker pays every tick, and what a
// platform read costs a page. The inventory is the large seed's, without its SLI history,
// incidents and audit log (they are not the simulator's).
import { it } from "vitest";
import { advanceFleet, initialFleet, type FleetState } from "@/lib/platform/simulator/fleet";
import { syncFleet } from "@/server/fleet/sync";
import { fleetPlatform } from "@/server/fleet/platform";
import { resetSimulatorFleet, topologyFromInventory } from "@/server/fleet/simulator";
import { connectTestDatabase } from "../support/db";
import { SEED_NOW } from "../support/constants";
import { time } from "./timing";
import { scaleOutInventory } from "./fixtures";

const prisma = connectTestDatabase();

it("simulated fleet at the large fleet's size", async () => {
  console.log(`inventory scaled out in ${(await scaleOutInventory(prisma)).toFixed(0)} s`);
  const topology = await topologyFromInventory();
  const t0 = SEED_NOW.getTime();
  let base: FleetState = initialFleet(20261129, topology, t0);
  console.log(
    `fleet: ${base.clusters.length} clusters, ${base.clusters.reduce((n, c) => n + c.pools.reduce((m, p) => m + p.nodes.length, 0), 0)} nodes, ${base.rollouts.length} rollouts, ${base.jobs.length} jobs, ${JSON.stringify(base).length} bytes of state`,
  );
  await time("advance one 30 s step of the large fleet", 10, async () => {
    base = advanceFleet(base, base.wallTime + 30_000, { speed: 1, chaos: [] });
  });

  await resetSimulatorFleet();
  const platform = fleetPlatform();
  await platform.tick?.();
  await time("platform read: clusters() with node health", 10, () => platform.clusters());
  await time("platform read: namespaces()", 10, () => platform.namespaces());
  await time("platform read: deployments()", 10, () => platform.deployments({}));
  await time("worker tick: advance, persist and mirror into the inventory tables", 5, () =>
    syncFleet(platform),
  );
}, 1_800_000);
