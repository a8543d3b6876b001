import { it } from "vitest";
import { connectTestDatabase } from "../support/db";
import { allowDirectChanges } from "../support/release-process";
import type { Actor } from "@/server/auth/session";
import { resetSimulatorFleet } from "@/server/fleet/simulator";
import { fleetPlatform } from "@/server/fleet/platform";
import { driveRollouts } from "@/server/rollouts/engine";
import { commandRollout } from "@/server/rollouts/command";
import { startRollout } from "@/server/rollouts/start";
import type { Fault } from "@/lib/platform/simulator/behaviour";
import { benchVersion } from "./fixtures";

const prisma = connectTestDatabase();
const meta = { requestId: "bench", clientIp: null };

const version = (model: string, fault: Fault, tag: string) =>
  benchVersion(prisma, model, fault, { major: 8, tag });

const stats = (label: string, samples: number[]) => {
  const s = [...samples].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
  console.log(
    `${label}: median ${at(0.5).toFixed(0)} ms, p95 ${at(0.95).toFixed(0)} ms (${s.length} runs)`,
  );
};

/** What on-call feels: a click to the platform write, and a bad canary to all traffic back on stable. */
it("rollout latencies on the simulator", async () => {
  await resetSimulatorFleet();
  const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  const user = await prisma.user.upsert({
    where: { email: "bench-rm@bench.test" },
    create: {
      email: "bench-rm@bench.test",
      name: "Bench",
      role: "release_manager",
      teamId: team.id,
    },
    update: {},
  });
  const rm: Actor = {
    kind: "user",
    id: user.id,
    email: user.email,
    name: "Bench",
    role: "release_manager",
    teamId: team.id,
    teamName: team.name,
  };

  await allowDirectChanges(prisma, ["production/us-east-1"]);
  // 1. Promote click → platform write (the action applies the next step before it answers).
  const steps = Array.from({ length: 12 }, (_, i) => `weight ${(i + 1) * 8}\npause`).join("\n");
  const good = await version("ranker-xl", "none", "1");
  const started = await startRollout(rm, meta, {
    model: "ranker-xl",
    version: good,
    strategy: "canary",
    steps,
    waves: "production/us-east-1",
    saveAsDefault: false,
    fix: false,
    overrideReason: "",
  });
  const id = started.rollouts[0]?.id ?? "";
  const promote: number[] = [];
  for (let i = 0; i < 11; i++) {
    await driveRollouts();
    const row = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    const target = row.target as { cluster: string; namespace: string; name: string };
    const before = (await fleetPlatform().rollout(target)).canaryWeight;
    const t0 = performance.now();
    await commandRollout(rm, meta, { rolloutId: id, command: "promote", version: row.version });
    const after = (await fleetPlatform().rollout(target)).canaryWeight;
    promote.push(performance.now() - t0);
    if (after === before) throw new Error("promote did not reach the platform");
  }
  stats("promote click → platform write", promote);
  const last = await prisma.rollout.findUniqueOrThrow({ where: { id } });
  await commandRollout(rm, meta, { rolloutId: id, command: "abort", version: last.version });

  // 2. Bad canary → all traffic back on stable, with a 2 s analysis interval and the engine
  //    ticking every second as in the app.
  const rollback: number[] = [];
  for (let i = 0; i < 3; i++) {
    const bad = await version("ranker-xl", "errors", String(2 + i));
    const t0 = performance.now();
    const r = await startRollout(rm, meta, {
      model: "ranker-xl",
      version: bad,
      strategy: "canary",
      steps: "weight 20\nanalysis 60s every 2s\nweight 100",
      waves: "production/us-east-1",
      saveAsDefault: false,
      fix: false,
      overrideReason: "",
    });
    const rid = r.rollouts[0]?.id ?? "";
    for (;;) {
      await driveRollouts();
      const row = await prisma.rollout.findUniqueOrThrow({ where: { id: rid } });
      if (row.status === "aborted" && row.platformSynced) break;
      if (performance.now() - t0 > 60_000) throw new Error("not rolled back");
      await new Promise((res) => setTimeout(res, 1_000));
    }
    rollback.push(performance.now() - t0);
  }
  stats("bad canary → traffic back on stable (2 s analysis interval, 1 s engine tick)", rollback);
  await resetSimulatorFleet();
}, 600_000);
