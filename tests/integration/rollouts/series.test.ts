// The rollout page's comparison charts after the fact: a canary the analysis aborted stays on
// them for the time it served, from the analysis intervals recorded while it did. The
// simulator computes every window from what runs now, so once the canary is gone it has
// nothing for it: the recorded intervals are what the picture keeps.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectTestDatabase } from "../../support/db";
import { movableTestClock } from "../../support/clock";
import { driveUntil } from "../../support/drive";
import { allowDirectChanges } from "../../support/release-process";
import { actor } from "../../support/actors";
import { registerVersionWith } from "../../support/versions";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import { startRollout } from "@/server/rollouts/start";
import { getRollout, rolloutSeries } from "@/server/rollouts/queries";
import { DEFAULT_THRESHOLDS } from "@/lib/domain/rollouts/plan";

const prisma = connectTestDatabase();
const time = movableTestClock();
const meta = { requestId: "series-test", clientIp: "198.51.100.9" };
let release = actor("release_manager");

beforeAll(async () => {
  await allowDirectChanges(prisma, ["production/us-east-1"]);
  const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  const user = await prisma.user.create({
    data: { email: "rm@series.test", name: "rm", role: "release_manager", teamId: team.id },
  });
  release = { ...actor("release_manager", team.id), id: user.id, email: user.email };
  await resetSimulatorFleet();
});
afterAll(async () => {
  await resetSimulatorFleet();
  await prisma.$disconnect();
});

describe("a finished rollout's comparison series", () => {
  it("keep the aborted canary's errors for the time it served, with the failed intervals marked", async () => {
    const bad = await registerVersionWith(prisma, "ranker-xl", "errors", (i) => `8.${i}.0`);
    const started = await startRollout(release, meta, {
      model: "ranker-xl",
      version: bad.version,
      strategy: "canary",
      steps: "weight 20\nanalysis 30s every 2s\nweight 100",
      waves: "production/us-east-1",
      saveAsDefault: false,
      fix: false,
      overrideReason: "",
    });
    const id = started.rollouts[0]?.id ?? "";
    await driveUntil(prisma, time, [id], (s) => s === "aborted", { seconds: 30 });
    // Someone opens the page a few minutes later.
    time.advance(5 * 60_000);

    const r = await getRollout(release, id);
    expect(r.status).toBe("aborted");
    const startedAt = r.startedAt?.getTime() ?? 0;
    const finishedAt = r.finishedAt?.getTime() ?? 0;
    const series = await rolloutSeries(release, r);

    const canary = series.errorRate.filter((p) => p.canary !== null);
    expect(canary.length).toBe(r.analysis.length);
    expect(canary.length).toBeGreaterThanOrEqual(1);
    for (const p of canary) {
      expect(p.t).toBeGreaterThanOrEqual(startedAt);
      expect(p.t).toBeLessThanOrEqual(finishedAt);
      // What the analysis judged: well over the baseline plus the allowed increase.
      expect(p.failed).toBe(true);
      expect(p.canary).toBeGreaterThan(
        (p.baseline ?? Number.POSITIVE_INFINITY) + DEFAULT_THRESHOLDS.maxErrorRateIncrease,
      );
    }
    const judged = r.analysis.flatMap((a) => a.metrics.filter((m) => m.metric === "error_rate"));
    expect(canary.map((p) => p.canary).sort()).toEqual(judged.map((m) => m.canary).sort());
    // The baseline goes on past the abort, and so does the chart: the canary visibly stops.
    expect(series.window.start).toBeLessThanOrEqual(startedAt);
    expect(series.window.end).toBeGreaterThan(finishedAt);
    expect(series.errorRate.at(-1)?.t).toBeGreaterThan(finishedAt);
    expect(series.errorRate.filter((p) => p.t > finishedAt && p.baseline !== null)).not.toEqual([]);
    expect(series.errorRate.filter((p) => p.t > finishedAt && p.canary !== null)).toEqual([]);
    // p99 latency keeps its canary too, unmarked: errors failed the intervals, not latency.
    const latency = series.latencyP99.filter((p) => p.canary !== null);
    expect(latency.length).toBe(canary.length);
    expect(latency.every((p) => !p.failed)).toBe(true);
  });
});
