import { it } from "vitest";
import { advanceFleet, initialFleet, type FleetState } from "@/lib/platform/simulator/fleet";
import { syncFleet } from "@/server/fleet/sync";
import { fleetPlatform } from "@/server/fleet/platform";
import { resetSimulatorFleet, topologyFromInventory } from "@/server/fleet/simulator";
import { connectTestDatabase } from "../support/db";
import { time } from "./timing";

connectTestDatabase();

const HOUR = 3_600_000;

/** The simulator's cost: stepping the demo fleet, catching up after downtime, and the worker's tick. */
it("simulated fleet on the demo inventory", async () => {
  const topology = await topologyFromInventory();
  const t0 = Date.parse("2026-11-29T00:00:00Z");
  let base: FleetState = initialFleet(20261129, topology, t0);
  console.log(
    `fleet: ${base.clusters.reduce((n, c) => n + c.pools.reduce((m, p) => m + p.nodes.length, 0), 0)} nodes, ${base.rollouts.length} rollouts, ${base.jobs.length} jobs, ${JSON.stringify(base).length} bytes of state`,
  );
  await time("advance one 30 s step of the demo fleet", 30, async () => {
    base = advanceFleet(base, base.wallTime + 30_000, { speed: 1, chaos: [] });
  });
  const start = initialFleet(20261129, topology, t0);
  await time("catch up 1 hour of downtime", 5, async () => {
    advanceFleet(start, t0 + HOUR, { speed: 1, chaos: [] });
  });
  await time("catch up 1 day of downtime", 3, async () => {
    advanceFleet(start, t0 + 24 * HOUR, { speed: 1, chaos: [] });
  });
  await time("catch up 7 days (the limit)", 1, async () => {
    advanceFleet(start, t0 + 7 * 24 * HOUR, { speed: 1, chaos: [] });
  });

  await resetSimulatorFleet();
  const platform = fleetPlatform();
  await platform.tick?.();
  await time("platform read: clusters() with node health", 30, () => platform.clusters());
  await time("platform read: deployments()", 30, () => platform.deployments({}));
  await time("worker tick: advance, persist and mirror into the inventory tables", 20, () =>
    syncFleet(platform),
  );
}, 900_000);
