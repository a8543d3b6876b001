// The capacity check of a region drain at the large fleet's size, as the Regions page runs it:
// one plan of every model per region (12 regions, 300 models serving in 8 to 12 of them, pools
// shared by many models, GPUs counted node by node). Pure: no database, no platform.
//
//   npm run bench -- tests/bench/drain-plan.bench.ts
import { it } from "vitest";
import {
  DEFAULT_HEADROOM,
  planDrain,
  regionCeilingRps,
  type ModelServing,
  type RegionServing,
} from "@/lib/domain/traffic/drain-plan";
import { time } from "./timing";

const REGIONS = Array.from({ length: 12 }, (_, i) => `region-${i}`);

/** Serving as `readServing` gives it: every optional field present. */
function serving(m: number, region: string, k: number): RegionServing {
  const cluster = `${region}-serve-${(m + k) % 16}`;
  return {
    region,
    cluster,
    demandRps: 50 + m,
    servedRps: 50 + m,
    dial: 100,
    readyReplicas: 5,
    heldReplicas: 5,
    hpa: { min: 2, max: 12 + (m % 9), current: 5 },
    gpusPerReplica: m % 3 === 0 ? 2 : 1,
    gpuType: m % 3 === 0 ? "H100" : "L4",
    freeGpus: 40,
    freeNodes: [8, 8, 8, 8, 4, 4],
    quotaLeftGpus: 30,
    quotaKey: `${cluster}/team-${m % 30}`,
    sharedFree: false,
  };
}

const MODELS: ModelServing[] = Array.from({ length: 300 }, (_, m) => ({
  model: `model-${m}`,
  team: `team-${m % 30}`,
  regions: REGIONS.slice(0, 8 + (m % 5)).map((r, k) => serving(m, r, k)),
}));

it("plans a drain of every model, for each of 12 regions, at 300 models", async () => {
  await time("one region's plan (300 models)", 20, async () => {
    planDrain(MODELS, { region: "region-0", headroom: DEFAULT_HEADROOM });
  });
  await time("the Regions page's 12 plans", 10, async () => {
    for (const region of REGIONS) planDrain(MODELS, { region, headroom: DEFAULT_HEADROOM });
  });
  await time("the Regions page's 12 ceilings", 10, async () => {
    for (const region of REGIONS) {
      regionCeilingRps(MODELS.flatMap((m) => m.regions.filter((r) => r.region === region)));
    }
  });
});
