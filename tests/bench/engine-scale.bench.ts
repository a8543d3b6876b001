// The rollout engine with 500 rollouts in flight on the large fleet's inventory
// (prisma/seed/large.ts without its SLI history, incidents and audit log): each rollout is a
// canary at 10 % under a long analysis that samples its metrics every 10 s, as the worker would
// drive them for an hour. Prints how long each engine pass takes (the worker passes every
// second) and how many rollouts each pass moved, and the loop lag as the rollouts see it: how late
// each analysis interval was sampled.
// FLIGHTDECK_BENCH_ROLLOUTS (500) and FLIGHTDECK_BENCH_SECONDS (60) change the size and length;
// FLIGHTDECK_BENCH_PROFILE=<dir> writes a CPU profile of the minute driven (tests/bench/profile.ts).
import { it } from "vitest";
import type { Actor } from "@/server/auth/session";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import { fleetPlatform } from "@/server/fleet/platform";
import { syncFleet } from "@/server/fleet/sync";
import { driveRollouts } from "@/server/rollouts/engine";
import { startRollout } from "@/server/rollouts/start";
import { connectTestDatabase } from "../support/db";
import { benchVersion, scaleOutInventory } from "./fixtures";
import { profiled } from "./profile";

const prisma = connectTestDatabase();
const meta = { requestId: "bench", clientIp: null };
const IN_FLIGHT = Number(process.env.FLIGHTDECK_BENCH_ROLLOUTS ?? 500);
const PASS_SECONDS = Number(process.env.FLIGHTDECK_BENCH_SECONDS ?? 60);

const admin: Actor = {
  kind: "user",
  id: "bench-admin",
  email: "bench-admin@bench.test",
  name: "Bench",
  role: "admin",
  teamId: null,
  teamName: null,
};

it(`rollout engine with ${IN_FLIGHT} rollouts in flight`, async () => {
  const seconds = await scaleOutInventory(prisma);
  await prisma.environment.updateMany({ data: { promotionsOnly: false } });
  await prisma.user.upsert({
    where: { id: admin.id },
    create: { id: admin.id, email: admin.email, name: admin.name, role: "admin" },
    update: {},
  });
  await resetSimulatorFleet();
  const platform = fleetPlatform();
  await syncFleet(platform);
  console.log(`large inventory in ${seconds.toFixed(0)} s`);

  // Two production regions of each model, in one wave: two rollouts in flight per start.
  const started = Date.now();
  const models = await prisma.model.findMany({ select: { id: true, name: true } });
  let inFlight = 0;
  for (const model of models) {
    if (inFlight >= IN_FLIGHT) break;
    const deployments = await prisma.deployment.findMany({
      where: {
        modelVersion: { modelId: model.id },
        environment: { name: { startsWith: "production/" } },
      },
      select: { environment: { select: { name: true } } },
      take: 2,
    });
    if (deployments.length === 0) continue;
    const version = await benchVersion(prisma, model.name, "none", { major: 9, tag: "0" });
    const release = await startRollout(admin, meta, {
      model: model.name,
      version,
      strategy: "canary",
      steps: "weight 10\nanalysis 3600s every 10s\nweight 100",
      waves: deployments.map((d) => d.environment.name).join(", "),
      saveAsDefault: false,
      fix: false,
      overrideReason: "",
    });
    inFlight += release.rollouts.length;
  }
  console.log(`${inFlight} rollouts started in ${((Date.now() - started) / 1000).toFixed(0)} s`);

  // The worker's engine loop: a pass, then the next one a second after the last began.
  const passes: { ms: number; moved: number }[] = [];
  const from = new Date();
  await profiled("engine-scale", async () => {
    const until = Date.now() + PASS_SECONDS * 1000;
    while (Date.now() < until) {
      const t0 = performance.now();
      const moved = await driveRollouts();
      const ms = performance.now() - t0;
      passes.push({ ms, moved });
      await new Promise((r) => setTimeout(r, Math.max(0, 1_000 - ms)));
    }
  });
  const byStatus = await prisma.rollout.groupBy({
    by: ["status"],
    where: { toVersion: { version: { startsWith: "9." } } },
    _count: { _all: true },
  });
  const quantile = (values: number[]) => {
    const sorted = [...values].sort((a, b) => a - b);
    return (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  };
  const at = quantile(passes.map((p) => p.ms));
  const moved = passes.reduce((n, p) => n + p.moved, 0);
  console.log(
    `engine passes over ${PASS_SECONDS} s: ${passes.length}, median ${at(0.5).toFixed(0)} ms, p95 ${at(0.95).toFixed(0)} ms, max ${at(1).toFixed(0)} ms; ${moved} rollout steps taken; now ${byStatus.map((s) => `${s._count._all} ${s.status}`).join(", ")}`,
  );
  // The loop lag as a rollout sees it: how late each analysis interval was sampled (its gap to
  // the one before, past the plan's 10 s), and whether every rollout in flight was sampled.
  const gaps = await prisma.$queryRaw<{ rolloutId: string; lateMs: number | null }[]>`
    SELECT "rolloutId",
           EXTRACT(EPOCH FROM (at - lag(at) OVER (PARTITION BY "rolloutId" ORDER BY at))) * 1000 - 10000 AS "lateMs"
    FROM "AnalysisRun" WHERE at >= ${from}`;
  const late = quantile(gaps.flatMap((g) => (g.lateMs === null ? [] : [Number(g.lateMs)])));
  const sampled = new Set(gaps.map((g) => g.rolloutId)).size;
  console.log(
    `analysis intervals sampled late by: median ${late(0.5).toFixed(0)} ms, p95 ${late(0.95).toFixed(0)} ms, max ${late(1).toFixed(0)} ms; ${sampled} of ${inFlight} rollouts sampled in the ${PASS_SECONDS} s`,
  );
}, 3_600_000);
