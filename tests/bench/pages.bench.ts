import { it } from "vitest";
import type { Actor } from "@/server/auth/session";
import { getOverview } from "@/server/fleet/overview";
import { listClusters } from "@/server/fleet/clusters";
import { listModels } from "@/server/models/list";
import { listRollouts } from "@/server/rollouts/queries";
import { listSlos } from "@/server/slos/queries";
import { connectTestDatabase } from "../support/db";
import { time } from "./timing";

connectTestDatabase();

const viewer: Actor = {
  kind: "user",
  id: "bench",
  email: "bench@bench",
  name: "Bench",
  role: "viewer",
  teamId: null,
  teamName: null,
};

/** The service calls behind each dashboard page, on the demo fleet. */
it("dashboard pages on the demo fleet", async () => {
  await time("overview (all counts, SLO budgets, recent lists)", 30, () => getOverview(viewer, {}));
  await time("clusters page", 30, () => listClusters(viewer, { page: 1 }));
  await time("models page", 30, () => listModels(viewer, { page: 1 }));
  await time("rollouts page 2, filtered to production", 30, () =>
    listRollouts(viewer, { page: 2, env: "production" }),
  );
  await time("SLO list (30-day budgets from daily rollups)", 30, () =>
    listSlos(viewer, { page: 1 }),
  );
}, 600_000);
