// An engineer's abort against a slow cluster: the Kubernetes API test server takes 10 seconds
// to answer every write to the Argo Rollout. A release manager promotes (the engine's write is
// in flight for 10 s), then an engineer aborts. Prints how long the abort took to be accepted
// (the server action's work: commit and audit, no platform call), and how long until the
// cluster had it (the write in flight, then the abort's own 10-second write). Five rounds.
import { it, vi } from "vitest";
import { clustersFromEnvironment } from "@/lib/platform/kubernetes/config";
import { KubernetesPlatform } from "@/lib/platform/kubernetes/platform";
import { metricsSource, useFleetPlatform } from "@/server/fleet/platform";
import { syncFleet } from "@/server/fleet/sync";
import { driveRollout } from "@/server/rollouts/engine";
import { appliesSettled } from "@/server/rollouts/apply-now";
import { commandRollout } from "@/server/rollouts/command";
import { startRollout } from "@/server/rollouts/start";
import { connectTestDatabase } from "../support/db";
import { actor } from "../support/actors";
import { allowDirectChanges } from "../support/release-process";
import { registerVersionWith } from "../support/versions";
import { registryArtifacts, startTestClusters } from "../support/kube";
import { twoClusterFleet } from "../support/kube/fleet-objects";

const prisma = connectTestDatabase();
const meta = { requestId: "abort-bench", clientIp: null };
const WEST = "eks-eu-west-1";
const LATENCY_MS = 10_000;

it("an abort while the cluster takes 10 s per write", { timeout: 600_000 }, async () => {
  const clusters = await startTestClusters(twoClusterFleet().clusters, {
    bookmarkIntervalMs: 50,
  });
  const platform = new KubernetesPlatform({
    clusters: clustersFromEnvironment({ KUBECONFIG: clusters.kubeconfig }),
    artifact: registryArtifacts(prisma),
  }).start();
  await platform.ready();
  useFleetPlatform(platform);
  try {
    for (const version of ["2.1.0", "2.2.0"]) {
      await registerVersionWith(prisma, "ranker-xl", "none", () => version).catch(() => null);
    }
    await syncFleet(platform, { discover: true });
    await allowDirectChanges(prisma, ["production/eu-west-1"]);
    const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
    const person = async (email: string, role: "release_manager" | "engineer") => {
      const u = await prisma.user.create({ data: { email, name: email, role, teamId: team.id } });
      return { ...actor(role, team.id), id: u.id, email };
    };
    const release = await person("rm@abort.bench", "release_manager");
    const engineer = await person("oncall@abort.bench", "engineer");
    const west = clusters.server(WEST);
    /** A release manager starts a new version with `steps`; driven until it reaches `status`. */
    const startAndWait = async (prefix: string, steps: string, status: string) => {
      const version = (
        await registerVersionWith(prisma, "ranker-xl", "none", (i) => `${prefix}.${i}`)
      ).version;
      const started = await startRollout(release, meta, {
        model: "ranker-xl",
        version,
        strategy: "canary",
        steps,
        waves: "production/eu-west-1",
        saveAsDefault: false,
        fix: false,
        overrideReason: "",
      });
      const id = started.rollouts[0]!.id;
      for (let i = 0; i < 40; i++) {
        await appliesSettled();
        await driveRollout(id);
        await Promise.all(clusters.controllers.map((c) => c.settled()));
        const r = await prisma.rollout.findUniqueOrThrow({ where: { id } });
        if (r.status === status && r.platformSynced) break;
        await new Promise((done) => setTimeout(done, 100));
      }
      return id;
    };
    const accepted: number[] = [];
    const applied: number[] = [];
    const duringAnalysis = { accepted: [] as number[], applied: [] as number[] };
    for (let round = 0; round < 5; round++) {
      const id = await startAndWait(
        `20.${round}`,
        "weight 20\npause\nweight 50\npause\nweight 100",
        "paused",
      );
      const slow = west.addLatency(LATENCY_MS, { resource: "rollouts", verb: "patch" });
      const row = await prisma.rollout.findUniqueOrThrow({ where: { id } });
      const writeSent = west.nextRequest({ resource: "rollouts", verb: "patch" }, 30_000);
      await commandRollout(release, meta, {
        rolloutId: id,
        command: "promote",
        version: row.version,
      });
      await writeSent; // the engine's write is in flight: 10 s until the cluster answers
      const promoted = await prisma.rollout.findUniqueOrThrow({ where: { id } });
      const t0 = performance.now();
      await commandRollout(engineer, meta, {
        rolloutId: id,
        command: "abort",
        version: promoted.version,
      });
      accepted.push(performance.now() - t0);
      await appliesSettled();
      applied.push(performance.now() - t0);
      slow();
      const o = await platform.rollout({
        cluster: WEST,
        namespace: "search-serving",
        name: "ranker-xl",
      });
      if (!o.aborted) {
        const events = await prisma.rolloutEvent.findMany({
          where: { rolloutId: id },
          orderBy: { at: "asc" },
          select: { kind: true, message: true },
        });
        const r = await prisma.rollout.findUniqueOrThrow({ where: { id } });
        throw new Error(
          `the abort did not reach the cluster: ${JSON.stringify({ o, events, synced: r.platformSynced, verifying: r.verifying })}`,
        );
      }
    }
    // The same, with the rollout in analysis while Prometheus takes 5 s to answer every query:
    // the engine's interval is being sampled (no lock held) when the engineer aborts.
    const instant = metricsSource().instant.bind(metricsSource());
    const slowMetrics = vi.spyOn(metricsSource(), "instant").mockImplementation(async (...args) => {
      await new Promise((done) => setTimeout(done, 5_000));
      return instant(...args);
    });
    try {
      for (let round = 0; round < 5; round++) {
        const id = await startAndWait(
          `21.${round}`,
          "weight 20\nanalysis 600s every 1s\nweight 100",
          "analyzing",
        );
        const slow = west.addLatency(LATENCY_MS, { resource: "rollouts", verb: "patch" });
        // the engine samples the interval: 5 s of Prometheus, no lock held
        const sampling = driveRollout(id);
        await new Promise((done) => setTimeout(done, 1_000));
        const row = await prisma.rollout.findUniqueOrThrow({ where: { id } });
        const t0 = performance.now();
        await commandRollout(engineer, meta, {
          rolloutId: id,
          command: "abort",
          version: row.version,
        });
        duringAnalysis.accepted.push(performance.now() - t0);
        await sampling;
        await appliesSettled();
        for (let i = 0; i < 5; i++) {
          const r = await prisma.rollout.findUniqueOrThrow({ where: { id } });
          if (r.platformSynced) break;
          await driveRollout(id);
        }
        duringAnalysis.applied.push(performance.now() - t0);
        slow();
        const o = await platform.rollout({
          cluster: WEST,
          namespace: "search-serving",
          name: "ranker-xl",
        });
        if (!o.aborted) throw new Error(`the abort during analysis did not reach the cluster`);
      }
    } finally {
      slowMetrics.mockRestore();
    }
    const fmt = (xs: number[]) =>
      `median ${[...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!.toFixed(0)} ms, max ${Math.max(...xs).toFixed(0)} ms`;
    console.log(`abort accepted (server action returned): ${fmt(accepted)} (5 rounds)`);
    console.log(`abort on the cluster (writes take ${LATENCY_MS / 1000} s each): ${fmt(applied)}`);
    console.log(
      `during analysis, Prometheus 5 s per query: abort accepted ${fmt(duringAnalysis.accepted)}; on the cluster ${fmt(duringAnalysis.applied)}`,
    );
  } finally {
    useFleetPlatform(null);
    await platform.stop();
    await clusters.stop();
  }
});
