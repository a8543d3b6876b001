// The Capacity page's service at the large fleet's size: 200 clusters with 30 days of hourly
// history (generated here, as the demo seed writes it), read live from the simulator. What a
// page view costs, with and without filters (one cluster's 30 days come from its pools' rollups);
// the placement question; and the rollup the fleet sync adds to every pass, with every cluster
// current and with ten out of reach (their last figures carried into the sums).
import { it } from "vitest";
import { capacityOverview, fleetHistory } from "@/server/capacity/overview";
import { placeGpus } from "@/server/capacity/placement";
import { recordCapacitySample } from "@/server/capacity/rollups";
import { fleetPlatform } from "@/server/fleet/platform";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import type { Actor } from "@/server/auth/session";
import { seedCapacityHistory } from "../../prisma/seed/capacity-history";
import { connectTestDatabase } from "../support/db";
import { SEED_NOW } from "../support/constants";
import { scaleOutInventory } from "./fixtures";
import { time } from "./timing";

const prisma = connectTestDatabase();
const viewer: Actor = {
  kind: "user",
  id: "bench",
  email: "bench@bench",
  name: "Bench",
  role: "viewer",
  teamId: null,
  teamName: null,
};

it("capacity page over 30 days of hourly history at 200 clusters", async () => {
  console.log(`inventory scaled out in ${(await scaleOutInventory(prisma)).toFixed(0)} s`);
  const started = Date.now();
  const rows = await prisma.$transaction(
    (tx) => seedCapacityHistory(tx, { nowMs: SEED_NOW.getTime() }),
    { timeout: 600_000 },
  );
  const [counts] = await prisma.$queryRaw<
    { clusters: number; pools: number; poolHours: number; typeHours: number }[]
  >`
    SELECT (SELECT count(*)::int FROM "Cluster") AS clusters,
           (SELECT count(*)::int FROM "NodePool") AS pools,
           (SELECT count(*)::int FROM "GpuPoolHour") AS "poolHours",
           (SELECT count(*)::int FROM "GpuTypeHour") AS "typeHours"`;
  console.log(
    `history: ${rows} rows written in ${((Date.now() - started) / 1000).toFixed(1)} s; ${JSON.stringify(counts)}`,
  );
  await prisma.$executeRawUnsafe(`ANALYZE "GpuPoolHour"`);
  await prisma.$executeRawUnsafe(`ANALYZE "GpuTypeHour"`);
  await prisma.$executeRawUnsafe(`ANALYZE "GpuTeamHour"`);

  await resetSimulatorFleet();
  const platform = fleetPlatform();
  await platform.tick?.();
  await time("history alone: 30 days by hour", 20, () => fleetHistory({}, SEED_NOW));
  await time("live pools alone: the platform's clusters()", 20, () => platform.clusters());
  await time("capacity page: the whole fleet", 20, () => capacityOverview(viewer, {}, SEED_NOW));
  await time("capacity page: H100 only", 20, () =>
    capacityOverview(viewer, { type: "H100" }, SEED_NOW),
  );
  await time("capacity page: one region", 20, () =>
    capacityOverview(viewer, { region: "us-east-1" }, SEED_NOW),
  );
  const [largest] = await prisma.$queryRaw<{ name: string }[]>`
    SELECT c.name FROM "Cluster" c JOIN "NodePool" p ON p."clusterId" = c.id
    GROUP BY c.name ORDER BY count(*) DESC, c.name LIMIT 1`;
  await time("history alone: one cluster's 30 days by hour", 20, () =>
    fleetHistory({ cluster: largest!.name }, SEED_NOW),
  );
  await time("capacity page: one cluster", 20, () =>
    capacityOverview(viewer, { cluster: largest!.name }, SEED_NOW),
  );
  await time("placement: 16 H100 for ranking", 20, () =>
    placeGpus(viewer, { gpus: 16, gpuType: "H100", team: "ranking" }),
  );
  const clusters = (await platform.clusters()).data;
  const namespaces = (await platform.namespaces()).data;
  let at = SEED_NOW.getTime() + 60_000;
  await time("sync pass: one sample into the hourly rollups", 20, () =>
    prisma.$transaction((tx) =>
      recordCapacitySample(tx, { at: new Date((at += 30_000)), clusters, namespaces }),
    ),
  );
  const reachable = clusters.slice(10);
  const current = new Set(reachable.map((c) => c.name));
  await time("sync pass: one sample, 10 clusters out of reach (carried)", 20, () =>
    prisma.$transaction((tx) =>
      recordCapacitySample(tx, {
        at: new Date((at += 30_000)),
        clusters: reachable,
        namespaces: namespaces.filter((n) => current.has(n.cluster)),
      }),
    ),
  );
}, 1_800_000);
