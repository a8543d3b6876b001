// The rollout engine on real clusters: the same engine that drives the simulator drives an Argo
// Rollout in a Kubernetes API test server whose controller acts as Argo Rollouts does. A good
// version goes to 100% through Flightdeck's steps; a bad one is caught by the analysis and the
// canary is aborted on the cluster. The simulator's metrics model stands in for Prometheus.
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { promisify } from "node:util";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clustersFromEnvironment } from "@/lib/platform/kubernetes/config";
import { KubernetesPlatform } from "@/lib/platform/kubernetes/platform";
import { useFleetPlatform } from "@/server/fleet/platform";
import { syncFleet } from "@/server/fleet/sync";
import { driveRollout, dueRollouts, RECHECK_MS } from "@/server/rollouts/engine";
import { appliesSettled } from "@/server/rollouts/apply-now";
import { startRollout } from "@/server/rollouts/start";
import { commandRollout } from "@/server/rollouts/command";
import { retryRollout } from "@/server/rollouts/retry";
import { getRollout } from "@/server/rollouts/queries";
import { clock } from "@/lib/clock";
import { connectTestDatabase } from "../../support/db";
import { movableTestClock } from "../../support/clock";
import { actor } from "../../support/actors";
import { allowDirectChanges } from "../../support/release-process";
import { registerVersionWith } from "../../support/versions";
import {
  registryArtifacts,
  startTestClusters,
  type RequestRecord,
  type TestClusters,
} from "../../support/kube";
import { twoClusterFleet } from "../../support/kube/fleet-objects";

const prisma = connectTestDatabase();
const meta = { requestId: "engine-k8s", clientIp: "198.51.100.9" };
const time = movableTestClock();
let clusters: TestClusters;
let platform: KubernetesPlatform;
let kubeconfig: string;
type Person = ReturnType<typeof actor> & { id: string; email: string };
let release: Person;
let release2: Person;
let engineer: Person;
let riskRelease: Person;
const EAST = "gke-us-east1-serving";
const WEST = "eks-eu-west-1";

async function settle() {
  await Promise.all(clusters.controllers.map((c) => c.settled()));
  for (const name of platform.clusterNames()) {
    const target = Number(clusters.server(name).store.resourceVersion);
    for (const r of [
      "rollouts",
      "replicaSets",
      "inferenceServices",
      "pods",
      "deployments",
    ] as const) {
      const reflector = platform.reflector(name, r)!;
      if (Number(reflector.lastResourceVersion()) >= target) continue;
      await new Promise<void>((resolve) => {
        const off = reflector.onChange(() => {
          if (Number(reflector.lastResourceVersion()) >= target) {
            off();
            resolve();
          }
        });
      });
    }
  }
}

/** Runs the engine on a rollout, letting the cluster act between passes, until `done`. */
async function driveUntil(
  id: string,
  done: (status: string) => boolean,
  watch?: () => Promise<void>,
  seconds = 120,
) {
  const deadline = clock.ms() + seconds * 1000;
  while (clock.ms() <= deadline) {
    await appliesSettled();
    await driveRollout(id);
    await settle();
    await watch?.();
    const row = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    if (done(row.status)) return;
    time.advance(row.pausedUntil ? Math.max(1_000, row.pausedUntil.getTime() - clock.ms()) : 1_000);
  }
  const events = await prisma.rolloutEvent.findMany({
    where: { rolloutId: id },
    orderBy: { at: "desc" },
    take: 3,
  });
  throw new Error(`not done in ${seconds} s: ${JSON.stringify(events.map((e) => e.message))}`);
}

const argo = (cluster: string) =>
  clusters.server(cluster).store.get({
    apiVersion: "argoproj.io/v1alpha1",
    kind: "Rollout",
    namespace: "search-serving",
    name: "ranker-xl",
  });

beforeAll(async () => {
  // eu-west-1 serves TLS, so kubectl (which sends a token only over https) can read it too
  clusters = await startTestClusters(twoClusterFleet().clusters, {
    bookmarkIntervalMs: 20,
    tls: [WEST],
  });
  kubeconfig = clusters.kubeconfig;
  platform = new KubernetesPlatform({
    clusters: clustersFromEnvironment({ KUBECONFIG: kubeconfig }),
    timing: { backoffMs: 20, maxBackoffMs: 200 },
    artifact: registryArtifacts(prisma),
  }).start();
  await platform.ready();
  useFleetPlatform(platform);

  const ranker = await prisma.model.findUniqueOrThrow({ where: { name: "ranker-xl" } });
  for (const version of ["2.1.0", "2.2.0"]) {
    const digest = Buffer.from(version).toString("hex").padEnd(64, "a").slice(0, 64);
    await prisma.modelVersion.upsert({
      where: { modelId_version: { modelId: ranker.id, version } },
      update: {},
      create: {
        modelId: ranker.id,
        version,
        imageDigest: `registry.test/ranker-xl@sha256:${digest}`,
        baseImageDigest: `registry.test/base@sha256:${"b".repeat(64)}`,
        artifactUri: `s3://test/ranker-xl/${version}`,
        trainingRunId: "run",
        datasetDigest: `sha256:${"c".repeat(64)}`,
        codeCommit: "d".repeat(40),
        evalMetrics: {},
        createdBy: "test",
      },
    });
  }
  // The inventory learns what the clusters run (the worker does this every 5 seconds).
  await syncFleet(platform, { discover: true });
  await allowDirectChanges(prisma, ["production/us-east-1", "production/eu-west-1"]);
  const team = await prisma.team.findUniqueOrThrow({ where: { slug: "ranking" } });
  const user = await prisma.user.create({
    data: { email: "rm@engine-k8s.test", name: "RM", role: "release_manager", teamId: team.id },
  });
  release = { ...actor("release_manager", team.id), id: user.id, email: user.email };
  const person = async (email: string, role: "release_manager" | "engineer", teamId: string) => {
    const u = await prisma.user.create({ data: { email, name: email, role, teamId } });
    return { ...actor(role, teamId), id: u.id, email: u.email };
  };
  release2 = await person("rm2@engine-k8s.test", "release_manager", team.id);
  engineer = await person("oncall@engine-k8s.test", "engineer", team.id);
  const fraud = await prisma.model.findUniqueOrThrow({ where: { name: "fraud-scorer" } });
  riskRelease = await person("rm@risk.engine-k8s.test", "release_manager", fraud.teamId);
  // fraud-scorer's versions on the InferenceService (1.4.0 stable, 1.5.0 its canary at 10%)
  for (const version of ["1.4.0", "1.5.0"]) {
    await prisma.modelVersion.upsert({
      where: { modelId_version: { modelId: fraud.id, version } },
      update: { artifactUri: `s3://test/fraud-scorer/${version}` },
      create: {
        modelId: fraud.id,
        version,
        imageDigest: `registry.test/fraud-scorer@sha256:${version.replace(/\D/g, "").padEnd(64, "f")}`,
        baseImageDigest: `registry.test/base@sha256:${"b".repeat(64)}`,
        artifactUri: `s3://test/fraud-scorer/${version}`,
        trainingRunId: "run",
        datasetDigest: `sha256:${"c".repeat(64)}`,
        codeCommit: "d".repeat(40),
        evalMetrics: {},
        createdBy: "test",
      },
    });
  }
});

afterAll(async () => {
  useFleetPlatform(null);
  await platform?.stop();
  await clusters?.stop();
  await prisma.$disconnect();
});

const start = (version: string, steps: string, waves: string, model = "ranker-xl") =>
  startRollout(model === "ranker-xl" ? release : riskRelease, meta, {
    model,
    version,
    strategy: "canary",
    steps,
    waves,
    saveAsDefault: false,
    fix: false,
    overrideReason: "",
  });

/**
 * A new good version of ranker-xl (named `series.N.0`) started in eu-west-1 with `steps`, driven
 * until its status is `until`.
 */
async function startOnWest(series: number, steps: string, until: string) {
  const good = (await registerVersionWith(prisma, "ranker-xl", "none", (i) => `${series}.${i}.0`))
    .version;
  const started = await start(good, steps, "production/eu-west-1");
  const id = started.rollouts[0]!.id;
  await driveUntil(id, (s) => s === until);
  return { id, good };
}

/** ranker-xl's Argo Rollout in eu-west-1, as the platform reads it from the API server. */
const westObject = () =>
  platform.rollout({ cluster: WEST, namespace: "search-serving", name: "ranker-xl" });

/** An engineer aborts the rollout, and the engine takes it there: the next test starts clean. */
async function abortAndFinish(id: string) {
  const r = await prisma.rollout.findUniqueOrThrow({ where: { id } });
  await commandRollout(engineer, meta, { rolloutId: id, command: "abort", version: r.version });
  await driveUntil(id, (s) => s === "aborted");
}

describe("the rollout engine on an Argo Rollout", () => {
  it("takes a good version to 100% through Flightdeck's steps, and the object shows it", async () => {
    const good = (await registerVersionWith(prisma, "ranker-xl", "none", (i) => `3.${i}.0`))
      .version;
    const started = await start(good, "weight 25\npause 30s\nweight 60", "production/eu-west-1");
    const id = started.rollouts[0]!.id;
    // The canary weights on the cluster (Argo's step at Flightdeck's plan), as the engine moved.
    const weights: number[] = [];
    await driveUntil(
      id,
      (s) => s === "completed",
      async () => {
        const [o] = (await platform.rollouts({ model: "ranker-xl", cluster: WEST })).data;
        const w = o?.canaryVersion === good ? o.canaryWeight : undefined;
        if (w !== undefined && w !== weights.at(-1)) weights.push(w);
      },
    );
    // 25% held through the 30 s pause; the 60% step is instant and the last, so the same pass
    // promotes it to 100%.
    expect(weights[0]).toBe(25);
    const patches = clusters
      .server(WEST)
      .requestsMatching({ resource: "rollouts", verb: "patch" })
      .map((r) => r.subresource ?? "spec");
    // set version, the 25% and 60% steps, resume after the pause, promote to 100% (status)
    expect(patches.length).toBeGreaterThanOrEqual(4);
    expect(patches).toContain("status");

    const object = argo(WEST)!;
    const status = object.status as { stableRS?: string; currentPodHash?: string };
    expect(status.stableRS).toBe(status.currentPodHash);
    const template = (object.spec as { template: { metadata: { labels: Record<string, string> } } })
      .template;
    expect(template.metadata.labels["flightdeck.dev/version"]).toBe(good);
    const { data } = await platform.deployments({ model: "ranker-xl", cluster: WEST });
    expect(data.map((d) => [d.version, d.trafficWeight])).toEqual([[good, 100]]);
  });

  it("aborts a bad version on the cluster when the analysis fails", async () => {
    const bad = (await registerVersionWith(prisma, "ranker-xl", "errors", (i) => `4.${i}.0`))
      .version;
    const started = await start(
      bad,
      "weight 20\nanalysis 6s every 3s\nweight 100",
      "production/us-east-1",
    );
    const id = started.rollouts[0]!.id;
    await driveUntil(id, (s) => s === "aborted");
    // the abort's notification was written with it: by Flightdeck, why, and what it reached
    const events = await prisma.notificationEvent.findMany({
      where: { subjectKey: `rollout:${id}` },
      select: { type: true, payload: true },
    });
    expect(events.map((e) => e.type)).toEqual(["rollout.aborted"]);
    expect(events[0]?.payload).toMatchObject({
      actor: null,
      blastRadius: "20% of ranker-xl's traffic in production/us-east-1",
      subject: { kind: "rollout", id, path: `/rollouts/${id}` },
    });
    expect(String((events[0]?.payload as { reason: string }).reason)).toMatch(/error/i);
    const object = argo(EAST)!;
    expect((object.status as { abort?: boolean }).abort).toBe(true);
    const o = await platform.rollout({
      cluster: EAST,
      namespace: "search-serving",
      name: "ranker-xl",
    });
    expect(o).toMatchObject({ aborted: true, canaryVersion: bad, canaryWeight: 0 });
    const { data } = await platform.deployments({ model: "ranker-xl", cluster: EAST });
    expect(data.every((d) => d.version !== bad)).toBe(true);
    expect(data.reduce((s, d) => s + d.trafficWeight, 0)).toBe(100);
  });
});

const versionOf = (o: ReturnType<typeof argo>) =>
  (o?.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata
    .labels["flightdeck.dev/version"];
const rolloutRef = {
  apiVersion: "argoproj.io/v1alpha1",
  kind: "Rollout",
  namespace: "search-serving",
  name: "ranker-xl",
};

describe("the engine and an engineer on a slow or shared cluster", () => {
  it("accepts an abort while the cluster has not answered the engine's write, and applies it when it does", async () => {
    const { id } = await startOnWest(5, "weight 20\npause\nweight 50\npause\nweight 100", "paused");
    const west = clusters.server(WEST);
    // The API server takes the next write to the Rollout and does not answer.
    let answered = false;
    const held = west.hold({ resource: "rollouts", verb: "patch" });
    const row = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    await commandRollout(release, meta, {
      rolloutId: id,
      command: "promote",
      version: row.version,
    });
    await held.reached; // the promote's write (50%) is in flight, under the engine's claim
    const promoted = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(promoted.leaseOwner).not.toBeNull();

    // The engineer's abort does not wait for it: no row lock is held across the call.
    const abort = await commandRollout(engineer, meta, {
      rolloutId: id,
      command: "abort",
      version: promoted.version,
    });
    expect(abort.status).toBe("aborted");
    expect(answered).toBe(false);
    expect((argo(WEST)!.status as { abort?: boolean }).abort).not.toBe(true);

    // The cluster answers: the call holding the claim notices the abort before its next write
    // and applies it, with no worker pass needed.
    answered = true;
    held.release();
    await appliesSettled();
    await settle();
    expect((argo(WEST)!.status as { abort?: boolean }).abort).toBe(true);
    const after = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(after).toMatchObject({
      status: "aborted",
      platformSynced: true,
      leaseOwner: null,
      platformIntent: null,
    });
    const o = await westObject();
    expect(o).toMatchObject({ aborted: true, canaryWeight: 0 });
  });

  it("applies exactly one step when two release managers promote at once", async () => {
    const { id, good } = await startOnWest(
      6,
      "weight 10\npause\nweight 40\npause\nweight 100",
      "paused",
    );
    const row = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    const results = await Promise.allSettled(
      [release, release2].map((who) =>
        commandRollout(who, meta, { rolloutId: id, command: "promote", version: row.version }),
      ),
    );
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const refused = results.find((r) => r.status === "rejected");
    expect(String((refused as PromiseRejectedResult).reason)).toMatch(/changed since you loaded/);
    await driveUntil(id, (s) => s === "paused");
    const after = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(after.currentStep).toBe(row.currentStep + 2); // the 40% step, then its pause
    expect(after.currentWeight).toBe(40);
    const o = await westObject();
    expect(o).toMatchObject({ canaryVersion: good, canaryWeight: 40 });
    // What kubectl shows is what the history claims: Flightdeck's 40% step, on the new image.
    const { stdout } = await promisify(execFile)(
      process.env.KUBECTL_BIN ?? "kubectl",
      ["--kubeconfig", kubeconfig, "--context", WEST, "-n", "search-serving"].concat([
        "get",
        "rollouts.argoproj.io",
        "ranker-xl",
        "-o",
        "yaml",
      ]),
      { timeout: 30_000 },
    );
    expect(stdout).toMatch(/- setWeight: 40\n\s+- pause: \{\}/);
    const digest = (await prisma.modelVersion.findFirstOrThrow({ where: { version: good } }))
      .imageDigest;
    expect(stdout).toContain(`image: ${digest}`);
    expect(
      await prisma.rolloutEvent.count({
        where: { rolloutId: id, message: "Canary weight set to 40%." },
      }),
    ).toBe(1);
    await abortAndFinish(id);
  });

  it("pauses on a change made outside Flightdeck instead of reverting it, and names the GitOps tool", async () => {
    const good = (await registerVersionWith(prisma, "ranker-xl", "none", (i) => `7.${i}.0`))
      .version;
    const west = clusters.server(WEST);
    // Argo CD manages this Rollout (its instance label: metadata, not a spec change).
    west.store.patch(rolloutRef, {
      metadata: { labels: { "argocd.argoproj.io/instance": "search-serving-prod" } },
    });
    const started = await start(
      good,
      "weight 20\nanalysis 60s every 20s\nweight 100",
      "production/eu-west-1",
    );
    const id = started.rollouts[0]!.id;
    await driveUntil(id, (s) => s === "analyzing");
    const managed = await getRollout(release, id);
    expect(managed.managedBy).toBe("Argo CD application search-serving-prod");
    expect(managed.events.map((e) => e.message).join("\n")).toMatch(
      /managed by Argo CD application search-serving-prod/,
    );

    // Someone sets another image by hand (as `kubectl argo rollouts set image` would).
    west.store.patch(rolloutRef, {
      spec: {
        template: {
          metadata: { labels: { "flightdeck.dev/version": "9.9.9-hotfix" } },
          spec: {
            containers: [{ name: "server", image: "registry.test/ranker-xl:9.9.9-hotfix" }],
          },
        },
      },
    });
    await settle();
    west.clearRequests();
    await driveRollout(id);
    await settle();
    const paused = await getRollout(release, id);
    expect(paused.status).toBe("paused");
    expect(paused.outsideChange).toMatch(
      /^Changed outside Flightdeck: it now runs version 9\.9\.9-hotfix \(image registry\.test\/ranker-xl:9\.9\.9-hotfix\), not 7\.\d+\.0/,
    );
    expect(paused.outsideChange).toMatch(/managed by Argo CD application search-serving-prod/);
    expect(paused.events[0]).toMatchObject({ kind: "outside_change" });
    // Flightdeck did not fight it: no write, and the object keeps the hand-set version.
    time.advance(30_000);
    await driveRollout(id);
    await settle();
    expect(west.requestsMatching({ resource: "rollouts", verb: "patch" })).toHaveLength(0);
    expect(versionOf(argo(WEST))).toBe("9.9.9-hotfix");

    // Resuming is the decision to re-apply Flightdeck's plan: its version is back on the object.
    await commandRollout(release, meta, {
      rolloutId: id,
      command: "resume",
      version: paused.version,
    });
    await appliesSettled();
    await settle();
    expect(versionOf(argo(WEST))).toBe(good);
    const resumed = await getRollout(release, id);
    expect(resumed.outsideChange).toBeNull();
    expect(["progressing", "analyzing"]).toContain(resumed.status);
    await abortAndFinish(id);
    west.store.patch(rolloutRef, { metadata: { labels: { "argocd.argoproj.io/instance": null } } });
  });
});

describe("every command of the demo, on an Argo Rollout", () => {
  it("pause, resume, abort, retry and promote to 100% change the object as Argo's plugin would", async () => {
    const good = (await registerVersionWith(prisma, "ranker-xl", "none", (i) => `15.${i}.0`))
      .version;
    const started = await start(
      good,
      "weight 10\nanalysis 60s every 20s\nweight 30\npause\nweight 60\npause\nweight 100",
      "production/eu-west-1",
    );
    const id = started.rollouts[0]!.id;
    let current = id;
    const spec = () => argo(WEST)!.spec as { paused?: boolean };
    const status = () => argo(WEST)!.status as { abort?: boolean };
    const object = () => westObject();
    const command = async (
      who: Person,
      name: "pause" | "resume" | "abort" | "promote_full",
      reason?: string,
    ) => {
      const r = await prisma.rollout.findUniqueOrThrow({ where: { id: current } });
      await commandRollout(who, meta, {
        rolloutId: current,
        command: name,
        version: r.version,
        ...(reason ? { reason } : {}),
      });
      await appliesSettled();
      await settle();
    };

    await driveUntil(id, (s) => s === "analyzing");
    await command(engineer, "pause");
    expect(spec().paused).toBe(true); // `kubectl argo rollouts pause`
    await command(engineer, "resume");
    expect(spec().paused).not.toBe(true);
    await driveUntil(id, (s) => s === "paused"); // the pause step after 30%
    await command(release, "resume");
    await driveUntil(id, (s) => s === "paused"); // the pause step after 60%
    expect(await object()).toMatchObject({ canaryVersion: good, canaryWeight: 60 });

    await command(engineer, "abort", "latency");
    expect(status().abort).toBe(true);
    expect(await object()).toMatchObject({ aborted: true, canaryWeight: 0 });

    const retried = await retryRollout(release, meta, {
      rolloutId: id,
      version: (await prisma.rollout.findUniqueOrThrow({ where: { id } })).version,
    });
    current = retried.rolloutId;
    await appliesSettled();
    await driveUntil(current, (s) => s === "analyzing");
    expect(status().abort).not.toBe(true); // retry: status.abort back to false
    expect(await object()).toMatchObject({ aborted: false, canaryVersion: good, canaryWeight: 10 });

    await command(release, "promote_full", "hotfix verified by hand");
    await driveUntil(current, (s) => s === "completed");
    await settle();
    expect(await object()).toMatchObject({ stableVersion: good, canaryVersion: null });
    const events = (await getRollout(release, current)).events.map((e) => e.message).join("\n");
    expect(events).toMatch(/promoted to 100%.*hotfix verified by hand/);
  });
});

describe("a rollout paused on a change made outside Flightdeck", () => {
  const handSetImage = () =>
    clusters.server(WEST).store.patch(rolloutRef, {
      spec: {
        template: {
          metadata: { labels: { "flightdeck.dev/version": "9.9.8-hand" } },
          spec: { containers: [{ name: "server", image: "registry.test/ranker-xl:9.9.8-hand" }] },
        },
      },
    });

  it("is noticed by the worker's pass on a rollout waiting for a promote", async () => {
    const { id } = await startOnWest(16, "weight 20\npause\nweight 100", "paused");
    handSetImage();
    await settle();
    // The worker's pass takes paused rollouts too (only this one is driven here): nothing told
    // the engine, so it notices at its next recheck of the rollout, not before.
    expect(await dueRollouts(10_000)).not.toContain(id);
    time.advance(RECHECK_MS);
    expect(await dueRollouts(10_000)).toContain(id);
    await driveRollout(id);
    const r = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(r.outsideChange).toMatch(/it now runs version 9\.9\.8-hand/);
    await abortAndFinish(id);
  });

  it("stays paused past the end of the timed pause it was in", async () => {
    const { id } = await startOnWest(13, "weight 20\npause 60s\nweight 100", "paused");
    expect((await prisma.rollout.findUniqueOrThrow({ where: { id } })).pausedUntil).not.toBeNull();
    handSetImage();
    await settle();
    await driveRollout(id);
    const held = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(held.outsideChange).toMatch(/9\.9\.8-hand/);
    expect(held.pausedUntil).toBeNull();
    // The pause's 60 s pass; nothing advances and nothing is written.
    clusters.server(WEST).clearRequests();
    time.advance(120_000);
    await driveRollout(id);
    await settle();
    const later = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(later).toMatchObject({ status: "paused", currentStep: held.currentStep });
    expect(
      clusters.server(WEST).requestsMatching({ resource: "rollouts", verb: "patch" }),
    ).toHaveLength(0);
    await abortAndFinish(id);
  });

  it("applies an abort that came in while the engine was reading the object", async () => {
    const { id } = await startOnWest(14, "weight 20\npause\nweight 100", "paused");
    handSetImage();
    await settle();
    await driveRollout(id);
    const paused = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(paused.outsideChange).not.toBeNull();

    // The engine's pass reads the object (held by the API server); an engineer aborts meanwhile.
    const west = clusters.server(WEST);
    const read = west.hold({ resource: "rollouts", verb: "get" });
    const pass = driveRollout(id);
    await read.reached;
    await commandRollout(engineer, meta, {
      rolloutId: id,
      command: "abort",
      version: paused.version,
    });
    read.release();
    await pass;
    await appliesSettled();
    await driveUntil(id, (s) => s === "aborted");
    await driveRollout(id); // the worker's next pass, if the abort was not applied yet
    await settle();
    expect((argo(WEST)!.status as { abort?: boolean }).abort).toBe(true);
    expect(await prisma.rollout.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: "aborted",
      platformSynced: true,
    });
    // Leave the object on Flightdeck's versions for the tests after this one.
    west.store.patch(rolloutRef, {
      spec: {
        template: {
          metadata: { labels: { "flightdeck.dev/version": "2.1.0" } },
          spec: {
            containers: [{ name: "server", image: "registry.test/ranker-xl@sha256:2.1.0" }],
          },
        },
      },
    });
  });
});

describe("the rollout engine on a KServe InferenceService", () => {
  const isvc = () =>
    clusters.server(EAST).store.get({
      apiVersion: "serving.kserve.io/v1beta1",
      kind: "InferenceService",
      namespace: "risk-serving",
      name: "fraud-scorer",
    })!;
  const predictor = () =>
    (isvc().spec as { predictor: Record<string, unknown> }).predictor as {
      canaryTrafficPercent?: number;
      model: { storageUri: string };
    };

  it("takes a good version to 100% through canaryTrafficPercent", async () => {
    const good = (await registerVersionWith(prisma, "fraud-scorer", "none", (i) => `8.${i}.0`))
      .version;
    const started = await start(
      good,
      "weight 30\npause 20s\nweight 100",
      "production/us-east-1",
      "fraud-scorer",
    );
    const id = started.rollouts[0]!.id;
    const percents: number[] = [];
    await driveUntil(
      id,
      (s) => s === "completed",
      async () => {
        const p = predictor().canaryTrafficPercent;
        if (p !== undefined && p !== percents.at(-1)) percents.push(p);
      },
    );
    expect(percents).toContain(30);
    // promoted: the field removed, the new model serves everything
    expect(predictor().canaryTrafficPercent).toBeUndefined();
    expect(predictor().model.storageUri).toBe(`s3://test/fraud-scorer/${good}`);
    const o = await platform.rollout({
      cluster: EAST,
      namespace: "risk-serving",
      name: "fraud-scorer",
    });
    expect(o).toMatchObject({ stableVersion: good, canaryVersion: null });
  });

  it("rolls a bad version back to the previous revision when the analysis fails", async () => {
    const stable = (
      await platform.rollout({ cluster: EAST, namespace: "risk-serving", name: "fraud-scorer" })
    ).stableVersion;
    const bad = (await registerVersionWith(prisma, "fraud-scorer", "errors", (i) => `9.${i}.0`))
      .version;
    const started = await start(
      bad,
      "weight 20\nanalysis 6s every 3s\nweight 100",
      "production/us-east-1",
      "fraud-scorer",
    );
    const id = started.rollouts[0]!.id;
    await driveUntil(id, (s) => s === "aborted");
    const r = await getRollout(riskRelease, id);
    expect(r.reason).toMatch(/Analysis failed/);
    expect(predictor().canaryTrafficPercent).toBe(0);
    const o = await platform.rollout({
      cluster: EAST,
      namespace: "risk-serving",
      name: "fraud-scorer",
    });
    expect(o).toMatchObject({ aborted: true, canaryWeight: 0, stableVersion: stable });
    const { data } = await platform.deployments({ model: "fraud-scorer", cluster: EAST });
    expect(data.filter((d) => d.trafficWeight > 0).map((d) => d.version)).toEqual([stable]);
  });
});

/**
 * The engine in another process (tests/support/engine-process.ts), on this file's database and
 * test clusters, at this file's clock time. Resolves with the child once it runs.
 */
function engineProcess(id: string): {
  child: ChildProcess;
  exited: Promise<number | null>;
  reaches: (held: Promise<unknown>) => Promise<unknown>;
} {
  const root = path.resolve(import.meta.dirname, "../../..");
  const child = spawn(
    process.execPath,
    [
      "--import",
      "tsx",
      "--import",
      "./tests/support/server-only-hook.mjs",
      "tests/support/engine-process.ts",
      id,
      String(clock.ms()),
    ],
    {
      cwd: root,
      env: {
        ...process.env,
        FLIGHTDECK_PLATFORM: "kubernetes",
        KUBECONFIG: kubeconfig,
        FLIGHTDECK_WORKER: "0",
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
  /** `held` reached by the child's write; fails with its output if it ended first. */
  const reaches = (held: Promise<unknown>) =>
    Promise.race([
      held,
      exited.then((code) => {
        throw new Error(`the engine process ended (${code}) before its write: ${output}`);
      }),
    ]);
  return { child, exited, reaches };
}

describe("a replica killed in the middle of a platform write", () => {
  /** A rollout on eu-west-1 held by its 30 s pause at 10%, the pause just over. */
  async function pausedAtTen(prefix: string) {
    const good = (await registerVersionWith(prisma, "ranker-xl", "none", (i) => `${prefix}.${i}.0`))
      .version;
    const started = await start(
      good,
      "weight 10\npause 30s\nweight 40\npause\nweight 100",
      "production/eu-west-1",
    );
    const id = started.rollouts[0]!.id;
    await driveUntil(id, (s) => s === "paused", undefined, 20);
    const row = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(row.currentWeight).toBe(10);
    time.advance(Math.max(0, row.pausedUntil!.getTime() - clock.ms()) + 1_000);
    return { id, good, steps: row.currentStep };
  }

  /** Another replica takes over once the dead one's claim ran out, and drives to the next pause. */
  async function takeOver(id: string) {
    const row = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(row.leaseUntil).not.toBeNull();
    // The dead replica's claim holds until it runs out: nobody else drives meanwhile.
    expect(await driveRollout(id)).toBe(false);
    time.advance(row.leaseUntil!.getTime() - clock.ms() + 1_000);
    await driveUntil(id, (s) => s === "paused", undefined, 20);
  }

  /** a write of Flightdeck's steps at 40% (`[setWeight 40, pause]` in spec.strategy.canary) */
  const isWeightWrite = (r: RequestRecord) => /"setWeight":40/.test(r.body ?? "");
  const weightWrites = () =>
    clusters
      .server(WEST)
      .requestsMatching({ resource: "rollouts", verb: "patch" })
      .filter((r) => r.subresource === undefined);

  it("between recording its intent and writing the platform: the step is written once, by another replica", async () => {
    const { id, good, steps } = await pausedAtTen("11");
    await killDuringFortyWrite(id, "before"); // the write never reaches the cluster

    const dead = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(dead).toMatchObject({ status: "progressing", currentWeight: 40, platformSynced: false });
    expect((dead.platformIntent as { specs: unknown[] }).specs[0]).toMatchObject({
      version: good,
      weight: 40,
    });
    expect(argoWeight()).toBe(10);

    await takeOver(id);
    await expectPausedAtForty(id, steps);
    expect(argoWeight()).toBe(40);
    // one write of the 40% step reached the cluster: the takeover's (the dead one's was dropped)
    expect(weightWrites().filter((r) => r.status === 200 && isWeightWrite(r))).toHaveLength(1);
    await abortAndFinish(id);
  });

  it("between writing the platform and recording the outcome: nothing is written twice", async () => {
    const { id, steps } = await pausedAtTen("12");
    await killDuringFortyWrite(id, "after"); // the cluster applies it; its answer never arrives

    const dead = await prisma.rollout.findUniqueOrThrow({ where: { id } });
    expect(dead).toMatchObject({ currentWeight: 40, platformSynced: false });
    expect(dead.platformIntent).not.toBeNull();
    expect(argoWeight()).toBe(40);

    await takeOver(id);
    // the takeover found its own (dead) write on the object: not an outside change, no rewrite
    await expectPausedAtForty(id, steps);
    expect(weightWrites().filter(isWeightWrite)).toHaveLength(1);
    await abortAndFinish(id);
  });

  function argoWeight(): number | undefined {
    const steps = (
      argo(WEST)!.spec as { strategy: { canary: { steps: { setWeight?: number }[] } } }
    ).strategy.canary.steps;
    return steps.find((x) => x.setWeight !== undefined)?.setWeight;
  }

  /**
   * Runs the engine in another process and SIGKILLs it while the API server holds its write of
   * the 40% step, `before` applying it or `after` (the answer held).
   */
  async function killDuringFortyWrite(id: string, phase: "before" | "after") {
    const west = clusters.server(WEST);
    west.clearRequests();
    // its writes: resume after the pause (let through), then the 40% step (held)
    const held = west.hold({ resource: "rollouts", verb: "patch" }, { phase, skip: 1 });
    const { child, exited, reaches } = engineProcess(id);
    await reaches(held.reached);
    if (phase === "after") await settle(); // the cluster applied the 40% step
    child.kill("SIGKILL");
    expect(await exited).toBeNull(); // killed, not ended
    held.drop();
  }

  /** Taken over: the 40% step taken once, the next pause reached, the outcome recorded. */
  async function expectPausedAtForty(id: string, steps: number) {
    expect(await prisma.rollout.findUniqueOrThrow({ where: { id } })).toMatchObject({
      status: "paused",
      currentWeight: 40,
      currentStep: steps + 2,
      platformSynced: true,
      platformIntent: null,
      outsideChange: null,
    });
    expect(await weightEvents(id, 40)).toBe(1);
  }

  const weightEvents = (id: string, weight: number) =>
    prisma.rolloutEvent.count({
      where: { rolloutId: id, kind: "step_applied", message: `Canary weight set to ${weight}%.` },
    });
});
