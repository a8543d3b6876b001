import { afterAll, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { movableTestClock, dayAfterSeedAt } from "../../support/clock";
import { actor } from "../../support/actors";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import { planRegionDrain } from "@/server/traffic/drains";
import { drainPlanSchema } from "@/lib/schemas/traffic";

const prisma = connectTestDatabase();
const time = movableTestClock(dayAfterSeedAt(0));
afterAll(() => prisma.$disconnect());

const HOUR = 3_600_000;

// The demo's drain journey (the README's tour and a browser test) runs at whatever hour someone
// tries it: ranker-xl out of us-east-1 is tight on its autoscaler in us-west-2, and raising the
// maximum as the plan suggests makes it safe. The simulated demand follows the time of day, so
// each hour starts the fleet two hours before, for its autoscalers to follow the day's load.
it("plans ranker-xl out of us-east-1 as tight on its autoscaler, and safe once raised, at every hour", async () => {
  const engineer = actor("engineer");
  const start = time.now().getTime();
  const seen: string[] = [];
  for (let hour = 0; hour < 24; hour++) {
    time.set(new Date(start + (hour - 2) * HOUR));
    await resetSimulatorFleet();
    time.set(new Date(start + hour * HOUR));
    const query = { region: "us-east-1", scope: "model", name: "ranker-xl" };
    const first = await planRegionDrain(engineer, drainPlanSchema.parse(query));
    const west = first.plan.models[0]?.receiving.find((r) => r.region === "us-west-2");
    const raise = `ranker-xl/us-west-2=${west?.suggestedMax}`;
    const raised = await planRegionDrain(engineer, drainPlanSchema.parse({ ...query, raise }));
    seen.push(
      `${hour}:00 ${first.plan.models[0]?.verdict} (${west?.reason}), raised ${raised.plan.models[0]?.verdict}`,
    );
  }
  expect(
    seen.filter((s) => !/^\d+:00 tight \(Its autoscaler stops at .*\), raised safe$/.test(s)),
  ).toEqual([]);
});
